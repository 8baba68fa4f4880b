// Surviving mutants of the TypeScript whose reason is known, matched against
// "<file>: <mutator> `<original>` -> `<replacement>`" (no line numbers: they move as the code does).
// A mutant belongs here only when no test could tell it apart (an equivalent mutant) or when what it
// changes is only time or wording; otherwise a test that kills it belongs in test/.
export const EXPLAINED = [
  // src/watch
  [
    /^src\/watch\/watch\.ts: ConditionalExpression `signal\.aborted` -> `false`$/,
    'equivalent where it matters: run() tests signal.aborted before each wait and #serve after each; an abort that lands during a check is heard by the listener the wait adds (the abort event still fires for it) except in the one turn between, where the stop then waits one check interval',
  ],
  [
    /^src\/watch\/watch\.ts: (ObjectLiteral `\{ once: true \}` -> `\{\}`|BooleanLiteral `true` -> `false`)$/,
    "equivalent: abortable's done() removes its abort listener itself, so { once: true } only repeats that",
  ],
  [
    /^src\/watch\/watch\.ts: ObjectLiteral `\{ initial: 1000, max: 30_000 \}` -> `\{\}`$/,
    'the default backoff is a timing (1 s doubling to 30 s), observable only as time; every test passes its own backoffMs so as not to wait',
  ],
  [
    /^src\/watch\/watch\.ts: ConditionalExpression `broken === undefined` -> `false`$/,
    '#serve returns undefined only once the signal has aborted; the mutant then throws a TypeError that the catch below ends the same way (signal.aborted: break)',
  ],
  [
    /^src\/watch\/watch\.ts: (ConditionalExpression `this\.#tables\.size === 0( && !subscribed)?` -> `true`|LogicalOperator `this\.#tables\.size === 0 && !subscribed` -> `this\.#tables\.size === 0 \|\| !subscribed`)$/,
    'the watched tables are empty exactly until the first connection plans them, and a watch that has not yet subscribed gives up instead of reconnecting; so "empty", "not subscribed" and both are the same condition, and planning again on a reconnect reads the same dictionary rows',
  ],
  [
    /^src\/watch\/watch\.ts: OptionalChaining `\(await session\.execute\(who\.sql, \{\}, \{ name: who\.name \}\)\)\.rows\[0\]\?\.CURRENT_SCHEMA` -> /,
    "equivalent: session.user selects SYS_CONTEXT('USERENV', …) FROM dual, which always returns one row",
  ],
  [
    /^src\/watch\/watch\.ts: ArrowFunction `\(m\) => this\.#receive\(current\.name, m\)` -> `\(\) => undefined`$/,
    "the check's subscribe under the current name adds nothing to a live subscription (node-oracledb keeps its first callback), and a subscription it finds replaced is superseded at once by #subscribeAll under a new name, whose callback is the real one",
  ],
  // src/listener
  [
    /^src\/listener\/callback-request\.ts: EqualityOperator `start <= query\.length` -> `start < query\.length`$/,
    'equivalent: the only segment the mutant skips is the empty one after a final "&" (or an empty query string), which names nothing',
  ],
  [
    /^src\/listener\/callback-request\.ts: (ConditionalExpression `eq < end` -> `true`|EqualityOperator `eq < end` -> `eq <= end`|LogicalOperator `eq !== -1 && eq < end` -> `eq !== -1 \|\| eq < end`)$/,
    'equivalent: an "=" found past the end of the segment makes a name that contains "&", which is never table, order_no or key; and "=" is never at the position of the "&" that ends the segment',
  ],
  [
    /^src\/listener\/callback-request\.ts: (ConditionalExpression `value\.includes\('%'\) \|\| value\.includes\('\+'\)` -> `true`|StringLiteral `'%'` -> `""`|StringLiteral `'\+'` -> `""`)$/,
    'equivalent: a fast path; decoding a value that has no "%" and no "+" returns it unchanged',
  ],
  [
    /^src\/listener\/listener\.ts: ConditionalExpression `reason === undefined` -> `false`$/,
    "equivalent: Node's writeHead(status, undefined, headers) sends the status's standard reason phrase, as writeHead(status, headers) does",
  ],
  [
    /^src\/listener\/listener\.ts: (ConditionalExpression `q === -1` -> `false`|UnaryOperator `-1` -> `\+1`)$/,
    'equivalent for a URL without "?": the mutant parses the path as the query string, and a path names no table= (the request is refused as having no table, as it is with an empty query)',
  ],
  [
    /^src\/listener\/listener\.ts: StringLiteral `''` -> `"Stryker was here!"`$/,
    'equivalent: the empty string stands for what is absent and never read: the time of a batch without an onEvent listener, the query string of a URL without "?" (any other text names no table either)',
  ],
  [
    /^src\/listener\/listener\.ts: (ConditionalExpression `options\.cache\.busState\(\) !== undefined` -> `(true|false)`|EqualityOperator `options\.cache\.busState\(\) !== undefined` -> |ConditionalExpression `onBus` -> `(true|false)`|ConditionalExpression `\(err as \{ code\?: string \}\)\.code === 'ERR_BUS_PUBLISH'` -> `false`|StringLiteral `'ERR_BUS_PUBLISH'` -> `""`)/,
    'the listener with a Redis bus (answer once the drop reached the bus, ERR_BUS_PUBLISH as a 500) is tested by the cache bus tests (test/cache/bus.test.ts, bus-acks.test.ts) against a real redis-server, which the listener part of this run does not run; without a bus, publishDrop resolves at once and both paths answer the same',
  ],
  [
    /^src\/listener\/port-owner\.ts: (Regex `\/\^socket:\\\[\(\\d\+\)\\\]\$\/` -> |StringLiteral `''` -> `"Stryker was here!"`|MethodExpression `text\.split\('\\n'\)\.slice\(1\)` -> `text\.split\('\\n'\)`|ConditionalExpression `inodes\.size === 0` -> `false`|ConditionalExpression `local !== undefined` -> `true`|ConditionalExpression `cols\[3\] === LISTEN` -> `true`)/,
    "equivalent or unobservable: a socket's fd link is exactly socket:[inode]; the header line of /proc/net/tcp parses to no port; scanning every process for no inode finds none; a non-listening socket on the port (an accepted connection) belongs to the same process; the command is empty only when /proc/<pid>/comm vanished meanwhile",
  ],
  // src/migrator
  [
    /^src\/migrator\/run-loop\.ts: ArithmeticOperator `now\(\) - (t0|started)` -> `now\(\) \+ (t0|started)`$/,
    'a duration in an event (durationMs), which only time tells; the tests check it is a number of milliseconds, not how many',
  ],
];

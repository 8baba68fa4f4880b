// Surviving mutants of the TypeScript whose reason is known, matched against
// "<file>: <mutator> `<original>` -> `<replacement>`" (no line numbers: they move as the code does).
// A mutant belongs here only when no test could tell it apart (an equivalent mutant) or when what it
// changes is tested elsewhere; otherwise a test that kills it belongs in test/.
export const EXPLAINED = [];

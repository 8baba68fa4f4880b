/**
 * The argument lists a keyed drop names. The database sends every key as text, and the
 * application may have cached the function with a number (getEmployee(7)) or with text
 * (getEmployee('7')). A value that reads as a number is dropped both ways: a drop too many costs a
 * recomputation, a drop too few serves a stale result. Used by dcn listen and dcn watch.
 */

/** At most this many key values: each number among them doubles the lists, 2^n at most. */
export const MAX_KEYS = 6;

/** A number as Oracle's TO_CHAR writes one: 7, -3, 2.5, .5 */
const NUMBER_TEXT = /^-?(\d+(\.\d+)?|\.\d+)$/;

export function keyArguments(keys: readonly string[]): unknown[][] {
  let lists: unknown[][] = [[]];
  for (const key of keys) {
    const forms: unknown[] =
      NUMBER_TEXT.test(key) && Number.isSafeInteger(Math.trunc(Number(key))) ? [key, Number(key)] : [key];
    lists = lists.flatMap((list) => forms.map((f) => [...list, f]));
  }
  return lists;
}

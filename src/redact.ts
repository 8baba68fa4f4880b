/** Values dcn echoes in errors, with what must never be printed masked. */

/**
 * The value with any password in it shown as ***: a URL typed where a name or a path was expected
 * (`http://user:s3cret@host/…`) may hold one, and an error message ends up in logs and CI output.
 */
export function withoutPassword(value: string): string {
  try {
    const url = new URL(value);
    if (url.password !== '') {
      url.password = '***';
      return url.href;
    }
  } catch {
    // not a URL: masked below
  }
  // scheme://user:password@ inside other text; else anything between a colon and an @
  const userinfo = value.replace(/(\/\/[^/:@\s]*):[^@\s]*@/g, '$1:***@');
  return userinfo !== value ? userinfo : value.replace(/:[^@]*@/g, ':***@');
}

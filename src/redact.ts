/** Values dcn echoes in errors, with what must never be printed masked. */

/**
 * The value with any password in it shown as ***, the rest as given: a URL typed where a name or
 * a path was expected (`http://user:s3cret@host/…`) may hold one, and an error message ends up in
 * logs and CI output. A URL's password holds no raw / ? # (they would end its authority), so the
 * mask runs from the user's colon to the last @ before one of them or a blank.
 */
export function withoutPassword(value: string): string {
  const userinfo = value.replace(/(\/\/[^/:@\s]*):[^\s/?#]*@/g, '$1:***@');
  // no scheme://user:password@ (user:password@host, a blank in the password): anything between
  // a colon and an @, which may mask more than a password but never shows one
  return userinfo !== value ? userinfo : value.replace(/:[^@]*@/g, ':***@');
}

/** Words a property path cannot start with unless written `[[escaped]]`: the language's keywords and constants. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'IN',
  'NIN',
  'AS',
  'TOP',
  'GROUP',
  'BY',
  'TRUE',
  'FALSE',
  'NULL',
  'UNDEFINED',
]);

/** The collection qualifier a plain first segment `devices` introduces. */
export const QUALIFIER_ROOT = 'DEVICES';

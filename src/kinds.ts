/**
 * Kinds of the apps answer's `jobs` rows that the panel lists apart from jobs and endpoints:
 * they run until someone stops them (no stop button here). Pure, for Jest.
 */
export const OTHER_KINDS = new Set<string>([
  'notebook-instance',
  'emr-cluster',
  'monitoring-schedule'
]);

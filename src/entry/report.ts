/** `pfxkit/report`: expiry reports over connectors or files, their formats, and the expiry policy. */
export { reportConnectors, reportFiles, nagiosExitCode, mergeReports, type ReportOptions } from '../report/build.js';
export { reportKeysets } from '../report/keysets.js';
export { reportKeyVault, type KeyVaultReportOptions } from '../report/keyvault.js';
export { formatReport, formatTable, formatCsv, formatJson, formatPrometheus, REPORT_FORMATS, type ReportFormat } from '../report/format.js';
export type { Report, ReportRow, ReportError } from '../report/types.js';
export { renewAt, expiryStatus, daysRemaining, parseDuration, DEFAULT_THRESHOLDS, type ExpiryStatus, type Thresholds } from '../rotation/policy.js';

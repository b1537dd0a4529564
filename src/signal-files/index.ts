/** Streaming readers for the files admins hand to the CLI. */
export { RowError, type RowReadOptions } from './row-error.ts';
export { ISO_DATE_PROBLEM, parseIsoDate } from './iso-date.ts';
export { readRecordBatches, readRecords, recordFormatOf, type RecordFormat, type SourceRecord } from './record-reader.ts';
export { IsoDateField, SIGNAL_COLUMNS, SignalRowSchema, readSignalBatches, readSignalRows, type SignalReadOptions, type SignalRow } from './signals-file.ts';
export { ACCOUNT_COLUMNS, AccountRowSchema, readAccounts, type AccountReadOptions, type AccountRecord } from './accounts-file.ts';

export { type Aggregator, type AggregatorOptions, createAggregator } from './aggregator';
export { type AggregatedTopics, emptyRows, type Rows, routeRecords } from './route-records';
export { type SkippedRow, writeRows } from './write-rows';

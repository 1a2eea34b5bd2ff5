export { type Aggregator, type AggregatorOptions, createAggregator, writeRows } from './aggregator';
export { type AggregatedTopics, emptyRows, type Rows, routeRecords } from './route-records';

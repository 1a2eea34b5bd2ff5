export { createDetector, type Detector, type DetectorOptions } from './detector';
export { DetectorError, type DetectorErrorCode, isDetectorError } from './errors';
export type { OutputTopics } from './outputs';
export { processBatch } from './process-batch';

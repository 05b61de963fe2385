export { TopicRecorder, collectRecords, type TopicRecorderOptions } from './topic-recorder';

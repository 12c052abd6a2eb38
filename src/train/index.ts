// `optc train`: real training on MNIST digits through optc/tfjs, with an HTML report. See docs/training.md.
export { trainCommand, parseTrainArgs, optimizerEntries, TrainUsageError, TRAIN_USAGE, BASELINE } from './cli.js';
export { trainOne, buildModel, type TrainConfig, type OptimizerEntry, type RunResult } from './run.js';
export { loadMnist, epochOrder, batchImages, batchLabels, permutation, SPLIT_SEED, type MnistSplit, type Digits } from './data.js';
export { writeReport } from './report.js';

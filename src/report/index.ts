// Report building blocks shared by commands that write HTML (optc train, optc search).
export * from './plot.js';
export * from './html.js';

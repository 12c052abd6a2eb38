// What `optc --help` says about search; kept apart so that other commands do not load the search.
export const SEARCH_USAGE = `  optc search --from FILE.opt|random [--hyper NAME=VALUE]... [--seed N] [--out DIR] [--time SECONDS]
              [--candidates N] [--strategy evolution|random|constants] [--population N] [--batch N]
              [--max-states K] [--hurdle Q] [--funnel 2|3] [--resume] [--queue redis://HOST:PORT | --device cpu|webgpu] [--no-progress]
  optc worker --queue redis://HOST:PORT [--concurrency N]   score candidates from a search's queue`;

export class SearchUsageError extends Error {}

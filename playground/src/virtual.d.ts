// examples/*.opt by file name (without .opt), provided by playground/build.mjs at bundle time.
declare module 'virtual:examples' {
  const examples: Record<string, string>;
  export default examples;
}

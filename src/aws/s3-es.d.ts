/**
 * s3.ts and s3-objects.ts import the S3 client from the SDK's ES modules (`dist-es/`), not from the
 * package's CommonJS entry. That entry is one module of 269 KB holding the whole client: the bundle kept
 * all of it (every S3 operation's schema), and V8 compiled it as one function, parsing all of it at once
 * (4 MB of memory for the parse) into a 214 KB bytecode array that V8 gives a page of its own. That page's
 * record is allocated while the parse's memory is still held, so in about half the runs it lands above it
 * and the 4 MB, freed, cannot be given back: the gate's steps peaked 3.6 MiB higher in those runs (peak
 * RSS 71 against 67 MiB, list, read and write on two buckets). The ES modules are the same client, built
 * from the same source and shipped in the same package; the package declares them free of side effects, so
 * the bundler keeps only what the gate uses (its S3 chunk went from 156 KB to 84 KB) and none of it is a
 * function that large. See docs/performance.md, "Peak RSS of the gate".
 *
 * The package ships its types beside its entry, not beside dist-es/: this says the ES index exports what
 * the package declares.
 */
declare module '@aws-sdk/client-s3/dist-es/index.js' {
  export * from '@aws-sdk/client-s3';
}

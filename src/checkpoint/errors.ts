// Every failure to read or write a checkpoint is a CheckpointError whose `reason` says which check failed;
// callers branch on the reason, people read the message.

export type CheckpointErrorReason =
  | 'truncated' //         the file ends before the header or the data it describes
  | 'header-length' //     the 8-byte length is past the end of the file or over MAX_HEADER_BYTES
  | 'header-encoding' //   the header is not valid UTF-8
  | 'header-json' //       the header (or a JSON metadata value) is not valid JSON
  | 'duplicate-key' //     a JSON object repeats a key
  | 'header-field' //      a header entry has a missing, extra or ill-typed field
  | 'dtype' //             unknown dtype, or not the dtype the caller expects
  | 'shape' //             shape is not what the caller expects
  | 'byte-length' //       end - begin (or a view's byteLength) is not numel * element size
  | 'offsets' //           tensors overlap, leave holes, or do not cover the byte buffer
  | 'metadata' //          an optc metadata key is missing or malformed
  | 'file-version' //      written by a different version of the checkpoint layout
  | 'header-checksum' //   header contents do not match the checksum stored in it
  | 'data-checksum' //     tensor bytes do not match their checksum
  | 'optimizer' //         saved by a different optimizer
  | 'program-hash' //      saved by a different compiled program
  | 'format-version' //    saved with a different state format version
  | 'hypers' //            hyperparameter names differ from the ones expected
  | 'missing-tensor' //    a tensor the caller expects is absent
  | 'unexpected-tensor' // a tensor the caller does not expect is present
  | 'invalid-input' //     saveCheckpoint/encodeCheckpoint was given something it cannot write
  | 'io'; //               the file system failed (the cause is attached)

/** Every failure to read or write a checkpoint. `tensor`/`field` name what it concerns, when one thing does. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  readonly reason: CheckpointErrorReason;
  readonly tensor?: string;
  readonly field?: string;
  constructor(
    reason: CheckpointErrorReason,
    message: string,
    where: { tensor?: string; field?: string; cause?: unknown } = {},
  ) {
    super(message, where.cause === undefined ? undefined : { cause: where.cause });
    this.reason = reason;
    if (where.tensor !== undefined) this.tensor = where.tensor;
    if (where.field !== undefined) this.field = where.field;
  }
}

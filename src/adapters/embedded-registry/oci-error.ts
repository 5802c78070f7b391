/** The error codes of the OCI distribution spec this registry answers with, and their HTTP status. */
export const OCI_ERROR_STATUS = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNSUPPORTED: 405,
  RANGE_INVALID: 416,
} as const;

export type OciErrorCode = keyof typeof OCI_ERROR_STATUS;

/** An API failure that becomes `{"errors":[{code,message,detail}]}` with its status. */
export class OciError extends Error {
  override readonly name = 'OciError';
  constructor(
    readonly code: OciErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
  }

  get status(): number {
    return OCI_ERROR_STATUS[this.code];
  }

  body(): string {
    return JSON.stringify({
      errors: [
        { code: this.code, message: this.message, ...(this.detail !== undefined ? { detail: this.detail } : {}) },
      ],
    });
  }
}

/**
 * A fake AWS for unit tests of the steps: it stands where Node's HTTP handler stands in every client
 * (the `sender` seam), reads each request as AWS would (the query protocol's Action for STS and IAM, the
 * path and query for S3), records it, and answers with the XML AWS sends. Every request is answered by a
 * handler a test may replace, so the steps' real SDK clients, retries and parsers run without a network.
 */
import { Readable } from 'node:stream';

export interface FakeRequest {
  service: 'sts' | 'iam' | 's3';
  /** STS/IAM: the Action; S3: ListObjectsV2 and friends by method, path and query. */
  action: string;
  /** STS/IAM: the form; S3: the query, with `bucket`, `key` (decoded) and the `range` header. */
  params: Record<string, string>;
}

export interface FakeAnswer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** An answer, or a promise that never settles (a hung endpoint). */
export type Handler = (request: FakeRequest) => FakeAnswer | Promise<FakeAnswer>;

export const ACCOUNT = '123456789012';
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
export const CALLER = `arn:aws:iam::${ACCOUNT}:user/dev`;

let serial = 0;
/** Fresh temporary credentials, different each time. */
export function newCredentials() {
  serial += 1;
  return {
    AccessKeyId: `ASIAFAKE${String(serial).padStart(12, '0')}`,
    SecretAccessKey: `fakeSecret${serial}fakeSecretfakeSecretfakeSecret`,
    SessionToken: `FakeSessionToken${serial}${'x'.repeat(40)}`,
    Expiration: new Date(Date.now() + 3600_000).toISOString(),
  };
}

const credentialsXml = (c: ReturnType<typeof newCredentials>) =>
  `<Credentials><AccessKeyId>${c.AccessKeyId}</AccessKeyId><SecretAccessKey>${c.SecretAccessKey}</SecretAccessKey>` +
  `<SessionToken>${c.SessionToken}</SessionToken><Expiration>${c.Expiration}</Expiration></Credentials>`;

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The error document of the query protocol (STS, IAM). */
export function queryError(status: number, code: string, message: string): FakeAnswer {
  return {
    status,
    body:
      `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message>` +
      '</Error><RequestId>fake</RequestId></ErrorResponse>',
  };
}

/** S3's error document. */
export function s3Error(status: number, code: string, message: string): FakeAnswer {
  return {
    status,
    body: `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>fake</RequestId></Error>`,
  };
}

/** A successful role session for `roleArn`, as AssumeRole and AssumeRoleWithWebIdentity answer. */
export function roleSession(operation: string, roleArn: string, sessionName: string): FakeAnswer {
  const name = roleArn.split('/').pop();
  const arn = `arn:aws:sts::${roleArn.split(':')[4]}:assumed-role/${name}/${sessionName}`;
  return {
    status: 200,
    body:
      `<${operation}Response><${operation}Result>${credentialsXml(newCredentials())}` +
      `<AssumedRoleUser><Arn>${arn}</Arn><AssumedRoleId>AROAFAKE:${sessionName}</AssumedRoleId></AssumedRoleUser>` +
      `</${operation}Result></${operation}Response>`,
  };
}

/** GetCallerIdentity's answer for a principal. */
export function identity(arn: string): FakeAnswer {
  return {
    status: 200,
    body:
      `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>${arn}</Arn><UserId>AIDAFAKE</UserId>` +
      `<Account>${arn.split(':')[4]}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
  };
}

/** IAM GetRole's answer: the role's trust policy (URL-encoded, as IAM sends it) and session limit. */
export function role(arn: string, trustPolicy: unknown, maxSessionDuration = 3600): FakeAnswer {
  const name = arn.split('/').pop();
  return {
    status: 200,
    body:
      `<GetRoleResponse><GetRoleResult><Role><Path>/</Path><RoleName>${name}</RoleName><RoleId>AROAFAKE</RoleId>` +
      `<Arn>${arn}</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate>` +
      `<AssumeRolePolicyDocument>${encodeURIComponent(JSON.stringify(trustPolicy))}</AssumeRolePolicyDocument>` +
      `<MaxSessionDuration>${maxSessionDuration}</MaxSessionDuration></Role></GetRoleResult></GetRoleResponse>`,
  };
}

/** ListObjectsV2's answer for a bucket holding these keys. */
export function listing(bucket: string, keys: string[]): FakeAnswer {
  const contents = keys
    .map(
      (key) =>
        `<Contents><Key>${escapeXml(key)}</Key><LastModified>2026-01-01T00:00:00Z</LastModified>` +
        `<ETag>"etag-${escapeXml(key)}"</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join('');
  return {
    status: 200,
    body:
      `<ListBucketResult><Name>${bucket}</Name><Prefix></Prefix><KeyCount>${keys.length}</KeyCount>` +
      `<MaxKeys>50</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
  };
}

/** CreateMultipartUpload's answer. */
export function uploadStarted(bucket: string, key: string, uploadId: string): FakeAnswer {
  return {
    status: 200,
    body:
      `<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${escapeXml(key)}</Key>` +
      `<UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
  };
}

/**
 * A fake AWS with AWS's default answers; `on` replaces the answer to one action. Its S3 keeps the
 * multipart uploads started and not aborted in `uploads` (upload id -> key).
 */
export class FakeAws {
  readonly requests: FakeRequest[] = [];
  readonly uploads = new Map<string, string>();
  private readonly handlers = new Map<string, Handler>();

  constructor() {
    this.on('AssumeRole', (r) =>
      roleSession('AssumeRole', r.params.RoleArn ?? ROLE, r.params.RoleSessionName ?? ''),
    );
    this.on('AssumeRoleWithWebIdentity', (r) =>
      roleSession('AssumeRoleWithWebIdentity', r.params.RoleArn ?? ROLE, r.params.RoleSessionName ?? ''),
    );
    this.on('GetCallerIdentity', () => identity(CALLER));
    this.on('GetRole', () => queryError(403, 'AccessDenied', 'not allowed: iam:GetRole'));
    this.on('ListObjectsV2', (r) => listing(r.params.bucket ?? '', ['index.html', 'app.js']));
    this.on('GetObject', () => ({ status: 206, body: 'x', headers: { 'content-range': 'bytes 0-0/3' } }));
    this.on('HeadObject', () => ({ status: 200, body: '' }));
    this.on('CreateMultipartUpload', (r) => this.startUpload(r));
    this.on('AbortMultipartUpload', (r) => this.abortUpload(r));
    this.on('ListMultipartUploads', (r) => this.listUploads(r));
  }

  /** Starts an upload, as S3 does: it is kept until aborted. */
  startUpload(r: FakeRequest): FakeAnswer {
    const id = `upload-${this.uploads.size + 1}-${Math.random().toString(36).slice(2)}`;
    this.uploads.set(id, r.params.key ?? '');
    return uploadStarted(r.params.bucket ?? '', r.params.key ?? '', id);
  }

  abortUpload(r: FakeRequest): FakeAnswer {
    const id = r.params.uploadId ?? '';
    if (!this.uploads.delete(id)) return s3Error(404, 'NoSuchUpload', 'The specified upload does not exist.');
    return { status: 204, body: '' };
  }

  listUploads(r: FakeRequest): FakeAnswer {
    const uploads = [...this.uploads]
      .filter(([, key]) => key.startsWith(r.params.prefix ?? ''))
      .map(([id, key]) => `<Upload><Key>${escapeXml(key)}</Key><UploadId>${id}</UploadId></Upload>`)
      .join('');
    return {
      status: 200,
      body: `<ListMultipartUploadsResult><Bucket>${r.params.bucket}</Bucket>${uploads}</ListMultipartUploadsResult>`,
    };
  }

  on(action: string, handler: Handler): this {
    this.handlers.set(action, handler);
    return this;
  }

  /** The requests for one action (or all STS/IAM/S3 requests of a service). */
  count(action: string): number {
    return this.requests.filter((r) => r.action === action || r.service === action).length;
  }

  /** The `sender` seam: what the SDK calls in place of Node's HTTP handler. */
  readonly sender = {
    handle: async (request: SentRequest) => {
      const fake = this.read(request);
      this.requests.push(fake);
      const handler = this.handlers.get(fake.action);
      const answer = handler ? await handler(fake) : queryError(400, 'InvalidAction', fake.action);
      return {
        response: {
          statusCode: answer.status,
          reason: '',
          headers: { 'content-type': 'text/xml', ...answer.headers },
          body: Readable.from([Buffer.from(answer.body)]),
        },
      };
    },
    updateHttpClientConfig: () => {},
    httpHandlerConfigs: () => ({}),
  };

  private read(request: SentRequest): FakeRequest {
    if (request.hostname.startsWith('sts.') || request.hostname.startsWith('iam.')) {
      const params = Object.fromEntries(new URLSearchParams(String(request.body ?? '')));
      return {
        service: request.hostname.startsWith('sts.') ? 'sts' : 'iam',
        action: params.Action ?? '',
        params,
      };
    }
    const query = Object.fromEntries(
      Object.entries(request.query ?? {}).map(([key, value]) => [key, String(value ?? '')]),
    );
    // Virtual-hosted addressing: the bucket is the host's first label, the key the path.
    const bucket = request.hostname.split('.')[0] ?? '';
    const key = decodeURIComponent(request.path.replace(/^\//, ''));
    const range = Object.entries(request.headers ?? {}).find(([name]) => name.toLowerCase() === 'range');
    const params = { ...query, bucket, key, range: range?.[1] ?? '' };
    return { service: 's3', action: s3Action(request.method ?? 'GET', key, query), params };
  }
}

/** What the SDK hands the sender. */
interface SentRequest {
  method?: string;
  hostname: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers?: Record<string, string>;
  body?: unknown;
}

/** An S3 request's operation, from its method, key and query. */
function s3Action(method: string, key: string, query: Record<string, string>): string {
  if (method === 'GET' && query['list-type'] === '2') return 'ListObjectsV2';
  if (method === 'GET' && 'uploads' in query) return 'ListMultipartUploads';
  if (method === 'POST' && 'uploads' in query) return 'CreateMultipartUpload';
  if (method === 'DELETE' && 'uploadId' in query) return 'AbortMultipartUpload';
  if (method === 'HEAD' && key !== '') return 'HeadObject';
  if (method === 'GET' && key !== '') return 'GetObject';
  return `S3 ${method} /${key}`;
}

/** A GitHub OIDC token for the tests: a JWT whose claims decode, signed by nobody. */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

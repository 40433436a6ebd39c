/**
 * A fake AWS for unit tests of the steps: it stands where Node's HTTP handler stands in every client
 * (the `sender` seam), reads each request as AWS would (the query protocol's Action for STS and IAM, the
 * path and query for S3), records it, and answers with the XML AWS sends. Every request is answered by a
 * handler a test may replace, so the steps' real SDK clients, retries and parsers run without a network.
 */
import { Readable } from 'node:stream';

export interface FakeRequest {
  service: 'sts' | 'iam' | 's3';
  /** STS/IAM: the Action; S3: ListObjectsV2 and friends by their query. */
  action: string;
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

/** A fake AWS with AWS's default answers; `on` replaces the answer to one action. */
export class FakeAws {
  readonly requests: FakeRequest[] = [];
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
    handle: async (request: {
      hostname: string;
      path: string;
      query?: Record<string, string | string[] | null>;
      body?: unknown;
    }) => {
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

  private read(request: {
    hostname: string;
    path: string;
    query?: Record<string, string | string[] | null>;
    body?: unknown;
  }): FakeRequest {
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
    // Virtual-hosted addressing: the bucket is the host's first label.
    const bucket = request.hostname.split('.')[0] ?? '';
    const action = query['list-type'] === '2' ? 'ListObjectsV2' : `S3 ${request.path}`;
    return { service: 's3', action, params: { ...query, bucket } };
  }
}

/** A GitHub OIDC token for the tests: a JWT whose claims decode, signed by nobody. */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

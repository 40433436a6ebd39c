/**
 * The examples, as a newcomer uses them: examples/cloudformation/github-oidc-role.yaml deployed into moto
 * with CloudFormation, then the action steps of examples/workflows/ run (the committed bundle, as the runner
 * runs it) against the role the stack made, with the values their `env:` blocks hold.
 *
 * What moto cannot show, and how it is shown instead:
 * - moto's CloudFormation has no AWS::IAM::OIDCProvider, so the provider is made with IAM first and the
 *   stack deployed with CreateOidcProvider=false (the path for an account that has the provider already).
 * - moto evaluates no trust policy (AssumeRoleWithWebIdentity and AssumeRole succeed whatever it says),
 *   and under IAM enforcement it fails AssumeRoleWithWebIdentity. So the steps run without enforcement,
 *   and the trust policy the stack made is evaluated here against the claims of the very token the action
 *   sent (and must refuse tokens of another repository, branch, environment or audience).
 * - The permission policies are checked afterwards with enforcement on, with the credentials the action
 *   exported: the gate passes on the stack's bucket and holds on another, and the S3 and IAM calls the
 *   gate's checks and the explanations make are allowed, and no more.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as cloudformation from '@aws-sdk/client-cloudformation';
import * as iam from '@aws-sdk/client-iam';
import * as s3 from '@aws-sdk/client-s3';
import { envCredentials } from '../harness/aws';
import { action, type Job, ROOT } from '../harness/runner';
import { actionSteps, EXAMPLES, expandStep, PENDING_INPUTS } from '../harness/workflows';
import { expectFailure, expectNoLeaks, expectSuccess, heldGate, useStack } from './stack';

const stack = useStack();
const TEMPLATE = fs.readFileSync(
  path.join(ROOT, 'examples', 'cloudformation', 'github-oidc-role.yaml'),
  'utf8',
);
const ISSUER = 'token.actions.githubusercontent.com';
/** What the OIDC stand-in (harness/oidc.js) and the runner stand-in (harness/runner.js) say the job is. */
const REPOSITORY = 'octo-org/octo-repo';
const ADMIN = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'examples-admin-not-real' };

const client = <T>(make: new (config: object) => T, region = 'us-east-1'): T =>
  new make({ endpoint: stack.moto.url, region, credentials: ADMIN, maxAttempts: 1, forcePathStyle: true });

/** The one step of an example workflow that uses the action. */
function exampleStep(file: string) {
  const steps = actionSteps(path.join(EXAMPLES, file));
  expect(steps).toHaveLength(1);
  return steps[0] as (typeof steps)[number];
}

/**
 * The step's inputs as the runner would pass them today, pointed at moto: inputs not yet declared in
 * action.yml are left out, and only those known to be on their way may be.
 */
function runnable(inputs: Record<string, string>): Record<string, string> {
  const declared = Object.keys(action.inputs ?? {});
  const missing = Object.keys(inputs).filter((name) => !declared.includes(name));
  expect(missing.filter((name) => !PENDING_INPUTS.has(name))).toEqual([]);
  const kept = Object.fromEntries(Object.entries(inputs).filter(([name]) => declared.includes(name)));
  return { ...kept, 'sts-endpoint': stack.proxy.url, 's3-endpoint': stack.proxy.url };
}

async function deployStack(
  name: string,
  parameters: Record<string, string>,
): Promise<Record<string, string>> {
  const cfn = client(cloudformation.CloudFormationClient);
  try {
    await cfn.send(
      new cloudformation.CreateStackCommand({
        StackName: name,
        TemplateBody: TEMPLATE,
        Capabilities: ['CAPABILITY_NAMED_IAM'],
        Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({
          ParameterKey,
          ParameterValue,
        })),
      }),
    );
    const described = await cfn.send(new cloudformation.DescribeStacksCommand({ StackName: name }));
    const deployed = described.Stacks?.[0];
    expect(deployed?.StackStatus).toBe('CREATE_COMPLETE');
    return Object.fromEntries((deployed?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } finally {
    cfn.destroy();
  }
}

async function trustPolicyOf(roleName: string): Promise<TrustPolicy> {
  const client_ = client(iam.IAMClient);
  try {
    const role = await client_.send(new iam.GetRoleCommand({ RoleName: roleName }));
    return JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '{}'));
  } finally {
    client_.destroy();
  }
}

// --- The trust policy, evaluated as IAM evaluates it for AssumeRoleWithWebIdentity -------------------

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Principal?: { Federated?: string; AWS?: string | string[] };
  Condition?: Record<string, Record<string, string | (string | null)[]>>;
}
interface TrustPolicy {
  Statement: (Statement | null)[] | Statement;
}

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
/** CloudFormation drops the items that are AWS::NoValue from a list; moto leaves them as null. */
const present = <T>(items: (T | null)[]): T[] => items.filter((item): item is T => item !== null);

/** IAM's StringLike: `*` any run of characters, `?` any one; everything else literal, case-sensitive. */
function like(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 's').test(value);
}

/** Whether one condition block holds for a token's claims; an operator not written here is an error. */
function conditionHolds(
  operator: string,
  entries: Record<string, string | (string | null)[]>,
  claims: object,
) {
  return Object.entries(entries).every(([key, values]) => {
    const [issuer, claimName = ''] = key.split(/:(?=[^:]*$)/);
    if (issuer !== ISSUER) throw new Error(`condition on ${key}: not a claim of ${ISSUER}`);
    const claim = (claims as Record<string, unknown>)[claimName];
    if (typeof claim !== 'string') return false;
    const allowed = present(list(values));
    if (operator === 'StringEquals') return allowed.includes(claim);
    if (operator === 'StringLike') return allowed.some((pattern) => like(pattern, claim));
    throw new Error(`condition operator ${operator} is not evaluated by this test`);
  });
}

/** Whether the policy lets a token with these claims, from the provider `providerArn`, assume the role. */
function admits(policy: TrustPolicy, providerArn: string, claims: object): boolean {
  return present(list(policy.Statement)).some(
    (statement) =>
      statement.Effect === 'Allow' &&
      list(statement.Action).includes('sts:AssumeRoleWithWebIdentity') &&
      statement.Principal?.Federated === providerArn &&
      Object.entries(statement.Condition ?? {}).every(([operator, entries]) =>
        conditionHolds(operator, entries, claims),
      ),
  );
}

/** The statements that trust the OIDC provider condition on both claims that pin a repository. */
function conditionedKeys(policy: TrustPolicy): string[] {
  return present(list(policy.Statement))
    .filter((s) => s.Principal?.Federated !== undefined)
    .flatMap((s) => Object.values(s.Condition ?? {}).flatMap((entries) => Object.keys(entries)))
    .sort();
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

// --- The stacks ----------------------------------------------------------------------------------------

const site = expandStep(exampleStep('deploy-static-site.yml'), { github: { run_id: '1' } });
const SITE_BUCKET = site.env.SITE_BUCKET ?? '';
const REGION = site.env.AWS_REGION ?? '';
let outputs: Record<string, string>;
let providerArn: string;
let runner: { accessKeyId: string; secretAccessKey: string; arn: string };

beforeAll(async () => {
  const admin = client(iam.IAMClient);
  const bucketClient = client(s3.S3Client, REGION);
  try {
    // The account has the provider already (moto's CloudFormation cannot make one).
    const provider = await admin.send(
      new iam.CreateOpenIDConnectProviderCommand({
        Url: `https://${ISSUER}`,
        ClientIDList: ['sts.amazonaws.com'],
        ThumbprintList: ['6938fd4d98bab03faadb97b34396831e3780aea1'],
      }),
    );
    providerArn = provider.OpenIDConnectProviderArn ?? '';
    const user = await admin.send(new iam.CreateUserCommand({ UserName: 'runner' }));
    const key = await admin.send(new iam.CreateAccessKeyCommand({ UserName: 'runner' }));
    runner = {
      accessKeyId: key.AccessKey?.AccessKeyId ?? '',
      secretAccessKey: key.AccessKey?.SecretAccessKey ?? '',
      arn: user.User?.Arn ?? '',
    };
    for (const bucket of [SITE_BUCKET, 'not-deployed']) {
      await bucketClient.send(
        new s3.CreateBucketCommand({
          Bucket: bucket,
          CreateBucketConfiguration: { LocationConstraint: REGION as s3.BucketLocationConstraint },
        }),
      );
      await bucketClient.send(
        new s3.PutObjectCommand({ Bucket: bucket, Key: 'index.html', Body: '<h1>hi</h1>' }),
      );
    }
  } finally {
    admin.destroy();
    bucketClient.destroy();
  }
  outputs = await deployStack('github-deploy', {
    Repository: REPOSITORY,
    Branch: 'main',
    Buckets: SITE_BUCKET,
    CreateOidcProvider: 'false',
    RunnerPrincipalArn: runner.arn,
  });
}, 120_000);

describe('the CloudFormation template', () => {
  test('makes the role the example workflows name, trusting the provider, with the four policies', async () => {
    expect(outputs.RoleArn).toBe(site.inputs['role-to-assume']);
    expect(outputs.OidcProviderArn).toBe(providerArn);
    const admin = client(iam.IAMClient);
    try {
      const attached = await admin.send(
        new iam.ListAttachedRolePoliciesCommand({ RoleName: 'github-deploy' }),
      );
      expect((attached.AttachedPolicies ?? []).map((p) => p.PolicyName).sort()).toEqual([
        'github-deploy-explain',
        'github-deploy-gate-list',
        'github-deploy-gate-read',
        'github-deploy-gate-write',
      ]);
      const provider = await admin.send(
        new iam.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }),
      );
      expect(provider.ClientIDList).toContain('sts.amazonaws.com');
    } finally {
      admin.destroy();
    }
  });
});

/** The job of the static site step: its exported credentials are used again with enforcement on. */
let siteJob: Job;

describe('the static site workflow, against the stack', () => {
  let token = '';

  test('its step assumes the role with GitHub OIDC, passes the gate on the bucket and exports', async () => {
    siteJob = stack.job({ ...site.env, ...stack.oidc.env });
    const result = await siteJob.main(runnable(site.inputs));
    expectSuccess(result);
    // verify-access: list,write: a listing, and the write probe's upload started and aborted.
    const [assumed, ...gate] = stack.proxy.requests.map((r) => r.operation);
    expect(assumed).toBe('AssumeRoleWithWebIdentity');
    expect(gate.sort()).toEqual(['S3:DELETE', 'S3:GET', 'S3:POST']);
    expect(result.outputs['bucket-access']).toBe(
      JSON.stringify({ [`${SITE_BUCKET}/`]: { list: true, write: true } }),
    );
    const sent = stack.proxy.requests[0]?.params ?? {};
    expect(sent.RoleArn).toBe(outputs.RoleArn);
    token = sent.WebIdentityToken ?? '';
    expect(result.outputs['authenticated-arn']).toBe(
      'arn:aws:sts::123456789012:assumed-role/github-deploy/GitHubActions',
    );
    expect(result.outputs['bucket-accessible']).toBe('true');
    expect(result.outputs['bucket-object-count']).toBe('1');
    expect(result.env.AWS_REGION).toBe(REGION);
    expectNoLeaks(result, token);
  });

  test("the role's trust policy admits that token, and no token of another repository, branch or audience", async () => {
    const policy = await trustPolicyOf('github-deploy');
    const claims = claimsOf(token);
    expect(claims.sub).toBe(`repo:${REPOSITORY}:ref:refs/heads/main`);
    expect(conditionedKeys(policy)).toEqual([`${ISSUER}:aud`, `${ISSUER}:sub`]);
    expect(admits(policy, providerArn, claims)).toBe(true);
    for (const sub of [
      `repo:${REPOSITORY}:ref:refs/heads/dev`,
      `repo:${REPOSITORY}:pull_request`,
      `repo:${REPOSITORY}:environment:production`,
      `repo:${REPOSITORY}-fork:ref:refs/heads/main`,
      'repo:octo-org/other:ref:refs/heads/main',
    ])
      expect({ sub, admitted: admits(policy, providerArn, { ...claims, sub }) }).toEqual({
        sub,
        admitted: false,
      });
    expect(admits(policy, providerArn, { ...claims, aud: 'https://github.com/octo-org' })).toBe(false);
    expect(admits(policy, 'arn:aws:iam::123456789012:oidc-provider/elsewhere.example', claims)).toBe(false);
  });
});

describe('the self-hosted runner workflow, against the stack', () => {
  test('its step signs AssumeRole with the keys, with session tags the trust policy allows', async () => {
    const step = expandStep(exampleStep('self-hosted-keys.yml'), {
      secrets: {
        RUNNER_AWS_ACCESS_KEY_ID: runner.accessKeyId,
        RUNNER_AWS_SECRET_ACCESS_KEY: runner.secretAccessKey,
      },
      github: { run_id: '1' },
    });
    const result = await stack.job(step.env).main(runnable(step.inputs));
    expectSuccess(result);
    const [assumed, ...gate] = stack.proxy.requests.map((r) => r.operation);
    expect(assumed).toBe('AssumeRole');
    expect(gate.sort()).toEqual(['S3:DELETE', 'S3:GET', 'S3:POST']);
    const sent = stack.proxy.requests[0]?.params ?? {};
    expect(sent.RoleArn).toBe(outputs.RoleArn);
    expect(sent['Tags.member.1.Key']).toBeDefined();
    expect(result.outputs['authenticated-arn']).toBe(
      'arn:aws:sts::123456789012:assumed-role/github-deploy/self-hosted-1',
    );
    expect(result.outputs['bucket-accessible']).toBe('true');
    expectNoLeaks(result, runner.secretAccessKey, runner.accessKeyId);

    const policy = await trustPolicyOf('github-deploy');
    const trusted = present(list(policy.Statement)).filter((s) =>
      list(s.Principal?.AWS).includes(runner.arn),
    );
    expect(trusted.map((s) => list(s.Action).sort())).toEqual([['sts:AssumeRole', 'sts:TagSession']]);
  });
});

describe('the template restricted by environment, or by a branch pattern and an environment', () => {
  test.each([
    [
      'environment only',
      { Branch: '', Environment: 'production' },
      ['environment:production'],
      ['ref:refs/heads/main'],
    ],
    [
      'branch pattern and environment',
      { Branch: 'release/*', Environment: 'production' },
      ['environment:production', 'ref:refs/heads/release/1.2'],
      ['ref:refs/heads/main', 'ref:refs/heads/releases', 'environment:staging'],
    ],
  ])('%s', async (name, parameters, admitted, refused) => {
    const roleName = `deploy-${name.replace(/\W+/g, '-')}`;
    await deployStack(roleName, {
      Repository: REPOSITORY,
      Buckets: SITE_BUCKET,
      CreateOidcProvider: 'false',
      RoleName: roleName,
      ...parameters,
    });
    const policy = await trustPolicyOf(roleName);
    const claims = { aud: 'sts.amazonaws.com' };
    const verdict = (suffix: string) =>
      admits(policy, providerArn, { ...claims, sub: `repo:${REPOSITORY}:${suffix}` });
    expect(admitted.filter((suffix) => !verdict(suffix))).toEqual([]);
    expect(refused.filter(verdict)).toEqual([]);
  });
});

// IAM enforcement, once on, stays on for the rest of the file: this block runs last.
describe('with IAM enforcement on, using the credentials the static site step exported', () => {
  let credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  const roleClient = <T>(make: new (config: object) => T): T =>
    new make({ endpoint: stack.moto.url, region: REGION, credentials, maxAttempts: 1, forcePathStyle: true });
  const outcome = (call: Promise<unknown>) =>
    call.then(
      () => 'allowed',
      (error: { name?: string }) => error.name ?? 'failed',
    );

  beforeAll(async () => {
    credentials = envCredentials(siteJob.visibleEnv());
    await stack.moto.enforceAuth(0);
  });

  test('the gate passes on the stack bucket and holds on another, naming s3:ListBucket', async () => {
    // The credentials in the job's env are kept (and gated) as they are: no new request to STS but one
    // GetCallerIdentity, which needs no permission.
    const kept = {
      'use-existing-credentials': 'true',
      'role-to-assume': outputs.RoleArn ?? '',
      'aws-region': REGION,
      's3-endpoint': stack.proxy.url,
    };
    const env = { ...siteJob.visibleEnv(), AWS_ENDPOINT_URL_STS: stack.proxy.url };
    const passed = await stack.job(env).main({ ...kept, 'verify-bucket': SITE_BUCKET });
    expectSuccess(passed);
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['GetCallerIdentity', 'S3:GET']);
    expect(passed.outputs['bucket-accessible']).toBe('true');
    stack.proxy.clear();
    const held = await stack.job(env).main({ ...kept, 'verify-bucket': 'not-deployed' });
    expect(stack.proxy.requests.map((r) => r.operation)).toEqual(['GetCallerIdentity', 'S3:GET']);
    const message = expectFailure(held, heldGate('not-deployed/'));
    expect(message).toContain('s3:ListBucket on arn:aws:s3:::not-deployed');
    // Kept credentials are not exported again (nor masked again: the step that exported them did); they
    // must still never be printed.
    for (const result of [passed, held]) {
      const shown = `${result.stdout}\n${result.stderr}\n${result.summary}`;
      expect(
        [credentials.secretAccessKey, credentials.sessionToken].filter(
          (secret) => secret && shown.includes(secret),
        ),
      ).toEqual([]);
    }
  });

  test("the policies allow what the gate's list, read and write checks do, on the stack bucket only", async () => {
    const bucket = roleClient(s3.S3Client);
    const key = '.aws-credentials-gate-probe-test';
    const probe = async (Bucket: string) => {
      const started = await bucket.send(new s3.CreateMultipartUploadCommand({ Bucket, Key: key }));
      return bucket.send(
        new s3.AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: started.UploadId }),
      );
    };
    try {
      const results = {
        list: await outcome(bucket.send(new s3.ListObjectsV2Command({ Bucket: SITE_BUCKET }))),
        read: await outcome(
          bucket.send(
            new s3.GetObjectCommand({ Bucket: SITE_BUCKET, Key: 'index.html', Range: 'bytes=0-0' }),
          ),
        ),
        write: await outcome(probe(SITE_BUCKET)),
        upload: await outcome(
          bucket.send(new s3.PutObjectCommand({ Bucket: SITE_BUCKET, Key: 'new.html', Body: 'new' })),
        ),
        delete: await outcome(
          bucket.send(new s3.DeleteObjectCommand({ Bucket: SITE_BUCKET, Key: 'new.html' })),
        ),
        'list elsewhere': await outcome(bucket.send(new s3.ListObjectsV2Command({ Bucket: 'not-deployed' }))),
        'read elsewhere': await outcome(
          bucket.send(new s3.GetObjectCommand({ Bucket: 'not-deployed', Key: 'index.html' })),
        ),
        'write elsewhere': await outcome(probe('not-deployed')),
      };
      expect(results).toEqual({
        list: 'allowed',
        read: 'allowed',
        write: 'allowed',
        upload: 'allowed',
        delete: 'AccessDenied',
        'list elsewhere': 'AccessDenied',
        'read elsewhere': 'AccessDenied',
        'write elsewhere': 'AccessDenied',
      });
    } finally {
      bucket.destroy();
    }
  });

  test('the explanations may read the role itself, and no other role', async () => {
    const identity = roleClient(iam.IAMClient);
    try {
      expect(await outcome(identity.send(new iam.GetRoleCommand({ RoleName: 'github-deploy' })))).toBe(
        'allowed',
      );
      expect(await outcome(identity.send(new iam.GetRoleCommand({ RoleName: 'some-other-role' })))).toBe(
        'AccessDenied',
      );
    } finally {
      identity.destroy();
    }
  });
});

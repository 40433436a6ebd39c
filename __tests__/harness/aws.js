// @ts-check
/** AWS calls the tests make themselves, to seed moto and to use exported credentials. */
const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');

/** Calls GetCallerIdentity with the given credentials: the proof that exported credentials work. */
async function callerIdentity(
  /** @type {string} */ endpoint,
  /** @type {{ accessKeyId: string, secretAccessKey: string, sessionToken?: string }} */ credentials,
  region = 'us-east-1',
) {
  const sts = new STSClient({ endpoint, region, credentials, maxAttempts: 1 });
  try {
    return await sts.send(new GetCallerIdentityCommand({}));
  } finally {
    sts.destroy();
  }
}

/** The credentials a later step would pick up from the job's env. */
function envCredentials(/** @type {Record<string, string | undefined>} */ env) {
  const accessKeyId = env.AWS_ACCESS_KEY_ID ?? '';
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY ?? '';
  const sessionToken = env.AWS_SESSION_TOKEN || undefined;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/**
 * Turns on moto's IAM enforcement and bootstraps an admin user with the few unsigned calls it allows.
 * Every later call must be signed by a known key and allowed by policy.
 * @param {{ url: string, enforceAuth: (n: number) => Promise<void> }} moto
 */
async function bootstrapAdmin(moto) {
  const {
    IAMClient,
    CreateUserCommand,
    PutUserPolicyCommand,
    CreateAccessKeyCommand,
  } = require('@aws-sdk/client-iam');
  await moto.enforceAuth(3);
  const anonymous = { accessKeyId: 'AKIAUNSIGNEDBOOTSTRAP', secretAccessKey: 'bootstrap' };
  const iam = new IAMClient({
    endpoint: moto.url,
    region: 'us-east-1',
    credentials: anonymous,
    maxAttempts: 1,
  });
  try {
    await iam.send(new CreateUserCommand({ UserName: 'admin' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'admin',
        PolicyName: 'everything',
        PolicyDocument: JSON.stringify(allow('*', '*')),
      }),
    );
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'admin' }));
    return {
      accessKeyId: key.AccessKey?.AccessKeyId ?? '',
      secretAccessKey: key.AccessKey?.SecretAccessKey ?? '',
    };
  } finally {
    iam.destroy();
  }
}

/** A policy document with one Allow statement. @param {string | string[]} action @param {string | string[]} resource */
function allow(action, resource) {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] };
}

/**
 * Seeds IAM as the admin: users with inline policies and keys, roles with trust policies.
 * @param {string} endpoint @param {{ accessKeyId: string, secretAccessKey: string }} admin
 */
function iamSeeder(endpoint, admin) {
  const iam = require('@aws-sdk/client-iam');
  const client = new iam.IAMClient({ endpoint, region: 'us-east-1', credentials: admin, maxAttempts: 1 });
  return {
    /** @param {string} name @param {object} [policy] @returns {Promise<{ accessKeyId: string, secretAccessKey: string, arn: string }>} */
    async user(name, policy) {
      const created = await client.send(new iam.CreateUserCommand({ UserName: name }));
      if (policy) {
        await client.send(
          new iam.PutUserPolicyCommand({
            UserName: name,
            PolicyName: 'p',
            PolicyDocument: JSON.stringify(policy),
          }),
        );
      }
      const key = await client.send(new iam.CreateAccessKeyCommand({ UserName: name }));
      return {
        accessKeyId: key.AccessKey?.AccessKeyId ?? '',
        secretAccessKey: key.AccessKey?.SecretAccessKey ?? '',
        arn: created.User?.Arn ?? '',
      };
    },
    /**
     * A role whose trust policy allows `principals` the `actions` (sts:AssumeRole unless given).
     * @param {string} name @param {string[]} principals
     * @param {{ maxSessionDuration?: number, policy?: object, actions?: string[] }} [options]
     */
    async role(name, principals, options = {}) {
      const trust = {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: principals }, Action: options.actions ?? 'sts:AssumeRole' },
        ],
      };
      const created = await client.send(
        new iam.CreateRoleCommand({
          RoleName: name,
          AssumeRolePolicyDocument: JSON.stringify(trust),
          ...(options.maxSessionDuration ? { MaxSessionDuration: options.maxSessionDuration } : {}),
        }),
      );
      if (options.policy) {
        await client.send(
          new iam.PutRolePolicyCommand({
            RoleName: name,
            PolicyName: 'p',
            PolicyDocument: JSON.stringify(options.policy),
          }),
        );
      }
      return created.Role?.Arn ?? '';
    },
    close: () => client.destroy(),
  };
}

/**
 * Creates a bucket and puts objects in it, as the admin.
 * @param {string} endpoint @param {{ accessKeyId: string, secretAccessKey: string }} admin
 * @param {string} bucket @param {string[]} keys
 */
async function seedBucket(endpoint, admin, bucket, keys) {
  const s3 = require('@aws-sdk/client-s3');
  const client = new s3.S3Client({
    endpoint,
    region: 'us-east-1',
    credentials: admin,
    forcePathStyle: true,
    maxAttempts: 1,
  });
  try {
    await client.send(new s3.CreateBucketCommand({ Bucket: bucket }));
    for (const key of keys)
      await client.send(new s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
  } finally {
    client.destroy();
  }
}

module.exports = { callerIdentity, envCredentials, bootstrapAdmin, iamSeeder, allow, seedBucket };

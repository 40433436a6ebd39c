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

module.exports = { callerIdentity, envCredentials };

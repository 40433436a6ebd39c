// @ts-check
/**
 * `npm run demo`: starts moto on loopback, seeds a role and a bucket, runs the committed action bundles
 * as the runner would (GitHub OIDC stand-in included), and prints what a workflow would see.
 */
const { CreateRoleCommand, IAMClient } = require('@aws-sdk/client-iam');
const { CreateBucketCommand, PutObjectCommand, S3Client } = require('@aws-sdk/client-s3');
const { callerIdentity, envCredentials } = require('./harness/aws');
const { startMoto } = require('./harness/moto');
const { startOidc } = require('./harness/oidc');
const { Job, nodeBinary } = require('./harness/runner');

const ADMIN = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'demo-secret-not-real' };
const REGION = 'eu-west-1';
const BUCKET = 'demo-artifacts';

/** Shows a secret as a runner log would after masking. */
const masked = (/** @type {string[]} */ masks, /** @type {string} */ value) =>
  masks.some((m) => m && value.includes(m)) ? '***' : value;

async function main() {
  const moto = await startMoto();
  const oidc = await startOidc();
  const job = new Job({ ...oidc.env });
  try {
    const iam = new IAMClient({ endpoint: moto.url, region: REGION, credentials: ADMIN });
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: {
            Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
          },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/octo-repo:*' },
          },
        },
      ],
    };
    const role = await iam.send(
      new CreateRoleCommand({ RoleName: 'deploy', AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );
    const s3 = new S3Client({ endpoint: moto.url, region: REGION, credentials: ADMIN, forcePathStyle: true });
    await s3.send(
      new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'site/index.html', Body: '<h1>hello</h1>' }));
    iam.destroy();
    s3.destroy();

    const roleArn = role.Role?.Arn ?? '';
    console.log(`moto_server on ${moto.url}; seeded role ${roleArn} and bucket ${BUCKET}`);
    console.log(`Running dist/main/index.js with ${nodeBinary()} as a runner would:\n`);
    const inputs = {
      'aws-region': REGION,
      'role-to-assume': roleArn,
      'sts-endpoint': moto.url,
      's3-endpoint': moto.url,
      'verify-bucket': `s3://${BUCKET}/site/`,
    };
    console.log('  with:');
    for (const [k, v] of Object.entries(inputs)) console.log(`    ${k}: ${v}`);

    const result = await job.main(inputs);
    console.log(`\nmain step: exit ${result.exitCode} in ${result.durationMs.toFixed(0)} ms`);
    console.log(`  masks registered (::add-mask::): ${result.masks.length}`);
    console.log('  log (as the runner shows it, masks applied):');
    for (const line of result.stdout.split('\n').filter((l) => l && !l.startsWith('::add-mask::'))) {
      console.log(`    ${masked(result.masks, line)}`);
    }
    console.log('  env for later steps (GITHUB_ENV):');
    for (const [k, v] of Object.entries(result.env)) console.log(`    ${k}=${masked(result.masks, v)}`);
    console.log('  step outputs (GITHUB_OUTPUT):');
    for (const [k, v] of Object.entries(result.outputs)) console.log(`    ${k}=${masked(result.masks, v)}`);

    console.log('  job summary (GITHUB_STEP_SUMMARY):');
    for (const line of result.summary.trimEnd().split('\n')) console.log(`    ${line}`);

    if (result.exitCode === 0) {
      const who = await callerIdentity(moto.url, envCredentials(job.visibleEnv()), REGION);
      console.log(`\na later step using the exported credentials is: ${who.Arn}`);
    }

    const post = await job.post();
    console.log(
      `\npost step: exit ${post.exitCode}; cleared: ${Object.keys(post.env).join(', ') || 'nothing'}`,
    );
    process.exitCode = result.exitCode === 0 && post.exitCode === 0 ? 0 : 1;
  } finally {
    job.cleanup();
    await oidc.close();
    await moto.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

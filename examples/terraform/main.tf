# A deploy role for aws-credentials-gate, as a module: the same resources, names and conditions as
# examples/cloudformation/github-oidc-role.yaml (read that file's header for what each part is for).
# __tests__/unit/examples.test.ts holds the two to the same names.
#
#   module "github_deploy" {
#     source     = "./examples/terraform"
#     repository = "my-org/my-site"
#     buckets    = ["my-site"]
#   }
#   output "role_arn" { value = module.github_deploy.role_arn }

terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  oidc_provider_arn = (
    var.create_oidc_provider
    ? aws_iam_openid_connect_provider.github[0].arn
    : "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"
  )

  # The sub claims the role trusts: the branch, the environment, or both.
  subjects = compact([
    var.branch == "" ? "" : "repo:${var.repository}:ref:refs/heads/${var.branch}",
    var.environment == "" ? "" : "repo:${var.repository}:environment:${var.environment}",
  ])

  bucket_arns = [for name in var.buckets : "arn:${data.aws_partition.current.partition}:s3:::${name}"]
  object_arns = [for name in var.buckets : "arn:${data.aws_partition.current.partition}:s3:::${name}/*"]

  # One managed policy for each check of the gate (verify-access: list, read, write) and one for the
  # explanations (iam:GetRole on the role itself).
  policies = {
    "gate-list" = {
      sid       = "GateList"
      actions   = ["s3:ListBucket"]
      resources = local.bucket_arns
    }
    "gate-read" = {
      sid       = "GateRead"
      actions   = ["s3:GetObject"]
      resources = local.object_arns
    }
    "gate-write" = {
      sid       = "GateWrite"
      actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
      resources = local.object_arns
    }
    "explain" = {
      sid       = "Explain"
      actions   = ["iam:GetRole"]
      resources = [aws_iam_role.deploy.arn]
    }
  }
}

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_oidc_provider ? 1 : 0
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = [var.audience]
  # IAM now trusts GitHub's certificate through its own CA list; older providers and tools still ask for
  # thumbprints, and these are GitHub's published ones.
  thumbprint_list = [
    "6938fd4d98bab03faadb97b34396831e3780aea1",
    "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
  ]
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "GitHubActions"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = [var.audience]
    }

    # StringLike, so that branch may hold a wildcard; git refuses * and ? in branch names, so an exact name
    # still matches only itself.
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = local.subjects
    }
  }

  dynamic "statement" {
    for_each = var.runner_principal_arn == "" ? [] : [var.runner_principal_arn]
    content {
      sid    = "SelfHostedRunner"
      effect = "Allow"
      # The action sends session tags with AssumeRole (unless role-skip-session-tagging: true).
      actions = ["sts:AssumeRole", "sts:TagSession"]

      principals {
        type        = "AWS"
        identifiers = [statement.value]
      }
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = var.role_name
  description          = "Assumed by GitHub Actions workflows of ${var.repository} through aws-credentials-gate"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration

  lifecycle {
    precondition {
      condition     = length(local.subjects) > 0
      error_message = "Give branch, environment or both; with neither, no workflow could assume the role."
    }
  }
}

data "aws_iam_policy_document" "permissions" {
  for_each = local.policies

  statement {
    sid       = each.value.sid
    effect    = "Allow"
    actions   = each.value.actions
    resources = each.value.resources
  }
}

resource "aws_iam_policy" "permissions" {
  for_each = local.policies
  name     = "${var.role_name}-${each.key}"
  policy   = data.aws_iam_policy_document.permissions[each.key].json
}

resource "aws_iam_role_policy_attachment" "permissions" {
  for_each   = local.policies
  role       = aws_iam_role.deploy.name
  policy_arn = aws_iam_policy.permissions[each.key].arn
}

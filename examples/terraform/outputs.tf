output "role_arn" {
  description = "The role-to-assume input of the workflows."
  value       = aws_iam_role.deploy.arn
}

output "oidc_provider_arn" {
  description = "The OIDC provider the role trusts."
  value       = local.oidc_provider_arn
}

output "gate_list_policy_arn" {
  value = aws_iam_policy.permissions["gate-list"].arn
}

output "gate_read_policy_arn" {
  value = aws_iam_policy.permissions["gate-read"].arn
}

output "gate_write_policy_arn" {
  value = aws_iam_policy.permissions["gate-write"].arn
}

output "explain_policy_arn" {
  value = aws_iam_policy.permissions["explain"].arn
}

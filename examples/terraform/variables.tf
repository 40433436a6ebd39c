variable "repository" {
  type        = string
  description = "The repository whose workflows may assume the role, as OWNER/NAME (e.g. my-org/my-site)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.repository))
    error_message = "The repository must be OWNER/NAME, e.g. my-org/my-site."
  }
}

variable "branch" {
  type        = string
  default     = "main"
  description = "Branch whose workflows may assume the role (sub claim repo:OWNER/NAME:ref:refs/heads/BRANCH). A wildcard works (release/*). Empty: no branch. A job that names an environment is matched by environment instead, whatever its branch."
}

variable "environment" {
  type        = string
  default     = ""
  description = "GitHub environment whose jobs may assume the role (sub claim repo:OWNER/NAME:environment:NAME). Empty: no environment."
}

variable "audience" {
  type        = string
  default     = "sts.amazonaws.com"
  description = "The aud claim, the action's audience input (its default is sts.amazonaws.com)."
}

variable "create_oidc_provider" {
  type        = bool
  default     = true
  description = "false when the account already has the token.actions.githubusercontent.com provider."
}

variable "role_name" {
  type        = string
  default     = "github-deploy"
  description = "Name of the role; its policies are named after it (github-deploy-gate-list, ...)."
}

variable "max_session_duration" {
  type        = number
  default     = 3600
  description = "Longest role-duration-seconds the role allows, in seconds (3600-43200)."

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be 3600-43200 seconds."
  }
}

variable "buckets" {
  type        = list(string)
  description = "Names of the buckets the workflows check and deploy to."
}

variable "runner_principal_arn" {
  type        = string
  default     = ""
  description = "An IAM user or role whose credentials may also assume the role with sts:AssumeRole, e.g. the keys a self-hosted runner is given (examples/workflows/self-hosted-keys.yml). Empty: none."
}

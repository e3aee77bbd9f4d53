variable "name" {
  description = "Bucket name."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for SSE-KMS."
  type        = string
}

variable "log_bucket" {
  description = "Name of the bucket receiving S3 server access logs."
  type        = string
}

variable "vpc_endpoint_id" {
  description = "S3 gateway endpoint through which all image traffic must arrive."
  type        = string
}

variable "exempt_principal_arns" {
  description = "Roles allowed to reach the bucket from outside the endpoint (AWS Backup, administrators)."
  type        = list(string)

  validation {
    condition     = length(var.exempt_principal_arns) > 0
    error_message = "List at least the role that administers the bucket, or no one can change its policy."
  }
}

variable "retention_days" {
  description = "Object Lock default retention (COMPLIANCE mode), in days."
  type        = number
}

variable "archive_after_days" {
  description = "Move objects to Glacier Instant Retrieval after this many days."
  type        = number
  default     = 180
}

variable "tags" {
  description = "Tags for the bucket (set data-classification and workload)."
  type        = map(string)
  default     = {}
}

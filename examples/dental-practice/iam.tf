# The MSP that runs the estate works through one role. Assuming it and using it both require MFA.

resource "aws_iam_role" "msp_admin" {
  name                 = "${local.name_prefix}-msp-admin"
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${local.account_id}:root" }
      Action    = "sts:AssumeRole"
      Condition = { Bool = { "aws:MultiFactorAuthPresent" = "true" } }
    }]
  })
}

resource "aws_iam_policy" "msp_admin" {
  name        = "${local.name_prefix}-msp-admin"
  description = "Administration of the imaging estate, only in an MFA-authenticated session"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AdministerWithMfa"
      Effect    = "Allow"
      Action    = "*"
      Resource  = "*"
      Condition = { Bool = { "aws:MultiFactorAuthPresent" = "true" } }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "msp_admin" {
  role       = aws_iam_role.msp_admin.name
  policy_arn = aws_iam_policy.msp_admin.arn
}

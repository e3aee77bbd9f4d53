# The imaging VPC: private subnets for the modality gateway and the viewer backend, public
# subnets for the viewer's load balancer, and a flow log to the log bucket.

resource "aws_vpc" "imaging" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = "${local.name_prefix}-imaging" }
}

resource "aws_flow_log" "imaging" {
  vpc_id               = aws_vpc.imaging.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "${aws_s3_bucket.logs.arn}/vpc-flow-logs/"
}

# No rules: nothing may use the default security group.
resource "aws_default_security_group" "default" {
  vpc_id = aws_vpc.imaging.id
}

resource "aws_subnet" "private" {
  count = length(var.availability_zones)

  vpc_id            = aws_vpc.imaging.id
  availability_zone = var.availability_zones[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 8, count.index)
  tags              = { Name = "${local.name_prefix}-private-${count.index}" }
}

resource "aws_subnet" "public" {
  count = length(var.availability_zones)

  vpc_id            = aws_vpc.imaging.id
  availability_zone = var.availability_zones[count.index]
  cidr_block        = cidrsubnet(var.vpc_cidr, 8, 100 + count.index)
  tags              = { Name = "${local.name_prefix}-public-${count.index}" }
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.imaging.id
  tags   = { Name = "${local.name_prefix}-private" }
}

resource "aws_route_table_association" "private" {
  count = length(aws_subnet.private)

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

# The private subnets reach S3 through this endpoint; the PACS bucket policy admits no other path.
resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.imaging.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
}

resource "aws_internet_gateway" "imaging" {
  vpc_id = aws_vpc.imaging.id
}

# The modality gateway receives studies from the CBCT unit, the panoramic unit and the
# intraoral sensors over DICOM, from the clinic network only (site-to-site VPN).
resource "aws_security_group" "modality_gateway" {
  name        = "${local.name_prefix}-modality-gateway"
  description = "DICOM from the clinic network to the modality gateway"
  vpc_id      = aws_vpc.imaging.id

  ingress {
    description = "DICOM (104) from clinic modalities"
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = [var.clinic_cidr]
  }

  ingress {
    description = "DICOM (11112) from clinic modalities"
    from_port   = 11112
    to_port     = 11112
    protocol    = "tcp"
    cidr_blocks = [var.clinic_cidr]
  }

  egress {
    description = "HTTPS to AWS APIs (S3 via the PACS)"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# DELIBERATELY BAD: a test Orthanc server someone exposed to the internet, DICOM port 4242 and
# SSH open to 0.0.0.0/0. pacscan should flag both.
resource "aws_security_group" "orthanc_legacy" {
  name        = "${local.name_prefix}-orthanc-legacy"
  description = "Legacy Orthanc test server"
  vpc_id      = aws_vpc.imaging.id

  ingress {
    description = "Orthanc DICOM"
    from_port   = 4242
    to_port     = 4242
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "SSH for the vendor"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    description = "HTTPS out"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# The DICOMweb viewer: an internet-facing ALB terminating TLS 1.2/1.3 and forwarding over HTTPS
# to the viewer backend (Orthanc DICOMweb on 8042), reachable only from the ALB.

resource "aws_security_group" "viewer_alb" {
  name        = "${local.name_prefix}-viewer-alb"
  description = "Public HTTPS to the DICOMweb viewer load balancer"
  vpc_id      = aws_vpc.imaging.id

  ingress {
    description = "HTTPS from anywhere"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "HTTP from anywhere, redirected to HTTPS"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    description = "To the viewer backend"
    from_port   = 8042
    to_port     = 8042
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }
}

resource "aws_security_group" "viewer" {
  name        = "${local.name_prefix}-viewer"
  description = "DICOMweb viewer backend, reachable from the load balancer only"
  vpc_id      = aws_vpc.imaging.id

  ingress {
    description     = "DICOMweb over HTTPS from the load balancer"
    from_port       = 8042
    to_port         = 8042
    protocol        = "tcp"
    security_groups = [aws_security_group.viewer_alb.id]
  }

  egress {
    description = "HTTPS to AWS APIs"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_acm_certificate" "viewer" {
  domain_name       = var.viewer_domain
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb" "viewer" {
  name                       = "${local.name_prefix}-viewer"
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = aws_subnet.public[*].id
  security_groups            = [aws_security_group.viewer_alb.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = true

  access_logs {
    bucket  = aws_s3_bucket.logs.id
    prefix  = "alb"
    enabled = true
  }
}

resource "aws_lb_target_group" "viewer" {
  name        = "${local.name_prefix}-viewer"
  port        = 8042
  protocol    = "HTTPS"
  target_type = "ip"
  vpc_id      = aws_vpc.imaging.id

  health_check {
    protocol = "HTTPS"
    path     = "/app/explorer.html"
    matcher  = "200"
  }
}

resource "aws_lb_listener" "viewer_https" {
  load_balancer_arn = aws_lb.viewer.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate.viewer.arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.viewer.arn
  }
}

resource "aws_lb_listener" "viewer_http" {
  load_balancer_arn = aws_lb.viewer.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

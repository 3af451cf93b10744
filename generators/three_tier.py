"""`tmpllint new three-tier`: the `vpc` layout plus an internet-facing ALB, an Auto
Scaling group in the private subnets, a Multi-AZ RDS database in the data subnets and an
optional Redis cache; security groups chained ALB -> app -> data.

Notes: 002:419-427 (3-tier architecture: public ELB, private ASG across AZs, data tier),
000:968-976.
"""

from __future__ import annotations

from dataclasses import dataclass

from generators_support import ignore, tls_only_statement
from tmpllint.generators import vpc
from tmpllint.yamlio import comment_before, get_att, mapping, ref, sub

NAME = "three-tier"
SUMMARY = "VPC + HTTPS ALB + Auto Scaling group + Multi-AZ RDS (+ Redis): the three tiers"
SEEDS = ("002:419-427", "000:968-976")
ENGINES = {"mysql": 3306, "postgres": 5432}
APP_PORT = 80

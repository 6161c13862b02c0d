"""The PoP VPC (create mode): three availability zones, private node subnets, one NAT per zone.

Subnets are carved deterministically from the VPC CIDR: the first three quarters are the
private node subnets (pods take VPC addresses with the VPC CNI, so they get the room); the
last quarter is split again for the three small public subnets that hold NAT gateways and
internet-facing load balancers.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network

import pulumi
import pulumi_aws as aws

ZONE_COUNT = 3


@dataclass(frozen=True)
class SubnetPlan:
    private: tuple[str, ...]
    public: tuple[str, ...]


def plan_subnets(vpc_cidr: str) -> SubnetPlan:
    quarters = list(IPv4Network(vpc_cidr).subnets(prefixlen_diff=2))
    public = list(quarters[3].subnets(prefixlen_diff=2))[:ZONE_COUNT]
    return SubnetPlan(private=tuple(str(q) for q in quarters[:ZONE_COUNT]), public=tuple(str(p) for p in public))


def first_zones(names: list[str]) -> list[str]:
    """The first three zones in name order, so the plan is stable; fewer than three is an error."""
    if len(names) < ZONE_COUNT:
        raise ValueError(f"a PoP VPC needs {ZONE_COUNT} availability zones, the region offers {len(names)}: {names}")
    return sorted(names)[:ZONE_COUNT]


@dataclass
class PopNetwork:
    vpc: aws.ec2.Vpc
    private_subnets: list[aws.ec2.Subnet]
    public_subnets: list[aws.ec2.Subnet]
    zones: pulumi.Output[list[str]]


def create_network(name: str, cluster_name: str, vpc_cidr: str, tags: dict[str, str], opts: pulumi.ResourceOptions) -> PopNetwork:
    """`opts` must carry the parent (and through it the explicit AWS provider)."""
    plan = plan_subnets(vpc_cidr)
    zones = aws.get_availability_zones_output(
        state="available", opts=pulumi.InvokeOutputOptions(parent=opts.parent)
    ).names.apply(first_zones)
    vpc = aws.ec2.Vpc(
        f"{name}-vpc", cidr_block=vpc_cidr, enable_dns_hostnames=True, enable_dns_support=True,
        tags={**tags, "Name": cluster_name}, opts=opts,
    )
    igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={**tags, "Name": cluster_name}, opts=opts)
    public_routes = aws.ec2.RouteTable(
        f"{name}-public-routes", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
        tags={**tags, "Name": f"{cluster_name}-public"}, opts=opts,
    )
    cluster_tag = {f"kubernetes.io/cluster/{cluster_name}": "shared"}
    private_subnets, public_subnets = [], []
    for index in range(ZONE_COUNT):
        zone = zones[index]
        public = aws.ec2.Subnet(
            f"{name}-public-{index}", vpc_id=vpc.id, cidr_block=plan.public[index], availability_zone=zone,
            map_public_ip_on_launch=False,
            tags={**tags, **cluster_tag, "Name": f"{cluster_name}-public-{index}", "kubernetes.io/role/elb": "1"},
            opts=opts,
        )
        aws.ec2.RouteTableAssociation(f"{name}-public-{index}-routes", subnet_id=public.id, route_table_id=public_routes.id, opts=opts)
        eip = aws.ec2.Eip(f"{name}-nat-{index}-ip", domain="vpc", tags={**tags, "Name": f"{cluster_name}-nat-{index}"}, opts=opts)
        nat = aws.ec2.NatGateway(
            f"{name}-nat-{index}", allocation_id=eip.id, subnet_id=public.id,
            tags={**tags, "Name": f"{cluster_name}-nat-{index}"}, opts=opts,
        )
        private = aws.ec2.Subnet(
            f"{name}-private-{index}", vpc_id=vpc.id, cidr_block=plan.private[index], availability_zone=zone,
            map_public_ip_on_launch=False,
            tags={**tags, **cluster_tag, "Name": f"{cluster_name}-private-{index}", "kubernetes.io/role/internal-elb": "1"},
            opts=opts,
        )
        # One NAT per zone: losing a zone must not cut the other two off from AWS APIs and ACME.
        private_routes = aws.ec2.RouteTable(
            f"{name}-private-{index}-routes", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}],
            tags={**tags, "Name": f"{cluster_name}-private-{index}"}, opts=opts,
        )
        aws.ec2.RouteTableAssociation(f"{name}-private-{index}-assoc", subnet_id=private.id, route_table_id=private_routes.id, opts=opts)
        public_subnets.append(public)
        private_subnets.append(private)
    return PopNetwork(vpc=vpc, private_subnets=private_subnets, public_subnets=public_subnets, zones=zones)

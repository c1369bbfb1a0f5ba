"""The AWS Price List Query API's GetProducts (JSON 1.1, ``X-Amz-Target:
AWSPriceListService.GetProducts``) for ServiceCodes ``AmazonSageMaker`` and ``AmazonEFS`` (its
Standard and Infrequent Access storage), in AWS's own format:
``PriceList`` is a list of JSON *strings*, each a product with ``product.attributes`` and
``terms.OnDemand.<sku>.<sku>.<offerTermCode>.priceDimensions.<rateCode>.pricePerUnit.USD``
(``FormatVersion`` ``aws_v1``); Filters (TERM_MATCH, EQUALS, CONTAINS, ANY_OF, NONE_OF) AND
together; MaxResults 1-100 (100 when not given) with NextToken paging.

Where the attribute names and values come from (public code that reads AWS's offer files and
the Query API; AWS's own attribute list is what ``DescribeServices`` returns):
- ``productFamily`` "ML Instance", ``regionCode``, ``instanceName``, ``platoinstancetype``
  "Hosting": a PricingClient in public SageMaker tooling that filters GetProducts on exactly
  these four fields (found with the code search, "PricingClient get_price_per_unit");
- the ``platoinstancetype`` values "Studio-JupyterLab", "studio-codeeditor",
  "Studio-Notebook", "Notebook", "Training", "Processing", "BatchTransform", "Hosting",
  "RStudio:RServer", "RStudio:RSessionGateway", "TensorBoard": vantage-sh/ec2instances.info, sagemaker.py
  (``service_pretty_name_map``, which reads the AmazonSageMaker offer file);
- ``component`` "studio-jupyterlab": a portal's GetProducts filter (TERM_MATCH on regionCode,
  component, instanceType);
- ``usagetype`` forms ``USE1-Notebk:ml.t3.medium``, ``USE1-Train:ml.p3.2xlarge``,
  ``USE1-Host:ml.m5.large``, ``USE1-Studio:JupyterLab-ml.r6i.4xlarge`` and the prefix ``EU-``
  for eu-west-1 (not ``EUW1-``): cost notes and tests in public repositories that parse
  SageMaker usage types. The Code Editor, processing, transform, RStudio, TensorBoard and
  Canvas usage types below follow the same pattern but were not confirmed; sm_teamkit reads
  the kind from ``platoinstancetype`` and the type from ``instanceName``, never from them.

The catalogue is made up (base figure x kind factor x region factor) so that every (region,
kind, type) has its own price and a test can tell a wrong kind or region from the right one;
tests set exact figures with :meth:`PriceCatalogue.set`.
"""

from __future__ import annotations

import json
import weakref

from .errors import ApiError
from .listing import paginate
from .state import StudioState

TARGET_PREFIX = "AWSPriceListService"
SERVICE_CODE = "AmazonSageMaker"
PUBLICATION_DATE = "2026-11-20T18:32:05Z"
VERSION = "20261120183205"
ON_DEMAND_TERM = "JRTCKXETXF"  # AWS's offerTermCode for OnDemand
RATE_CODE = "6YS6EN2CT7"  # AWS's rateCode suffix for the hourly dimension

# regionCode -> (usage type prefix, location)
REGIONS = {
    "us-east-1": ("USE1", "US East (N. Virginia)", 1.0),
    "us-east-2": ("USE2", "US East (Ohio)", 1.0),
    "us-west-2": ("USW2", "US West (Oregon)", 1.0),
    "eu-west-1": ("EU", "EU (Ireland)", 1.12),
    "eu-central-1": ("EUC1", "EU (Frankfurt)", 1.19),
    "ap-northeast-1": ("APN1", "Asia Pacific (Tokyo)", 1.29),
    "ap-southeast-2": ("APS2", "Asia Pacific (Sydney)", 1.25),
}

# kind -> (platoinstancetype, component, usage type after the prefix, factor)
KINDS = {
    "studio-jupyterlab": ("Studio-JupyterLab", "studio-jupyterlab", "Studio:JupyterLab-{t}", 1.00),
    "studio-codeeditor": ("studio-codeeditor", "studio-codeeditor", "Studio:CodeEditor-{t}", 1.01),
    "studio-notebook": ("Studio-Notebook", "studio-notebook", "Studio:{t}", 1.02),
    "notebook-instance": ("Notebook", "Notebook", "Notebk:{t}", 1.03),
    "training": ("Training", "Training", "Train:{t}", 1.05),
    "processing": ("Processing", "Processing", "Processing:{t}", 1.07),
    "transform": ("BatchTransform", "Batch Transform", "Tsform:{t}", 1.09),
    "endpoint": ("Hosting", "Hosting", "Host:{t}", 1.11),
    "rstudio": ("RStudio:RSessionGateway", "RStudio", "RStudio:RSessionGateway-{t}", 1.13),
    "rstudio-server": ("RStudio:RServer", "RStudio", "RStudio:RServer-{t}", 1.17),
    "tensorboard": ("TensorBoard", "TensorBoard", "TensorBoard:{t}", 1.15),
}
CANVAS = ("Canvas", "Canvas", "Canvas:Session-Hrs")  # one session rate, no instance type
CANVAS_USD = 1.9
# Studio spaces' EBS volumes: usage type <PREFIX>-Studio:VolumeUsage.gp3 (the issue's and the
# design notes' name), USD per GB-month (GB: 2^30 bytes). Its productFamily and unit ("GB-Mo",
# as EBS's own products) follow AWS's storage products but were not confirmed for SageMaker.
STORAGE_USAGE = "Studio:VolumeUsage.gp3"
STORAGE_USD = 0.14
# EFS Standard storage, ServiceCode AmazonEFS: productFamily "Storage", storageClass "General
# Purpose", usagetype <PREFIX>-TimedStorage-ByteHrs, unit GB-Mo (infracost's EFS resource filters
# on "Storage" and "-TimedStorage-ByteHrs", its One Zone and IA variants on
# "-TimedStorage-Z-ByteHrs" and "-IATimedStorage-ByteHrs"; a published GetProducts answer for
# eu-west-1 reads "EU-TimedStorage-ByteHrs", "General Purpose", 0.33 GB-Mo). Served beside it: an
# IA product at another figure, which a reader of Standard must leave out.
EFS_SERVICE_CODE = "AmazonEFS"
EFS_USD = 0.30
EFS_IA_USD = 0.016

BASE_USD = {
    "ml.t3.medium": 0.05,
    "ml.t3.large": 0.1,
    "ml.t3.xlarge": 0.2,
    "ml.m5.large": 0.115,
    "ml.m5.xlarge": 0.23,
    "ml.m5.2xlarge": 0.461,
    "ml.m5.4xlarge": 0.922,
    "ml.c5.xlarge": 0.204,
    "ml.r5.large": 0.151,
    "ml.g4dn.xlarge": 0.7364,
    "ml.g5.xlarge": 1.408,
    "ml.g5.2xlarge": 1.515,
    "ml.g6.xlarge": 1.0058,
    "ml.g6.2xlarge": 1.222,
    "ml.p3.2xlarge": 3.825,
}


class PriceCatalogue:
    """(region, kind, instance type) -> USD per hour; kind ``canvas`` has instance ``session``."""

    def __init__(self) -> None:
        self.prices: dict[tuple[str, str, str], float] = {}
        for region, (_, _, region_factor) in REGIONS.items():
            for kind, (*_, kind_factor) in KINDS.items():
                for instance, usd in BASE_USD.items():
                    self.prices[(region, kind, instance)] = round(usd * kind_factor * region_factor, 4)
            self.prices[(region, "canvas", "session")] = round(CANVAS_USD * region_factor, 4)
        self.storage = {region: round(STORAGE_USD * factor, 4) for region, (_, _, factor) in REGIONS.items()}
        self.efs = {region: round(EFS_USD * factor, 4) for region, (_, _, factor) in REGIONS.items()}
        self.publication_date = PUBLICATION_DATE

    def set_storage(self, region: str, usd: float | None) -> None:
        """Give a region's Studio EBS storage a price per GB-month (None: none)."""
        if usd is None:
            self.storage.pop(region, None)
        else:
            self.storage[region] = usd

    def set_efs(self, region: str, usd: float | None) -> None:
        """Give a region's EFS Standard storage a price per GB-month (None: none)."""
        if usd is None:
            self.efs.pop(region, None)
        else:
            self.efs[region] = usd

    def efs_products(self) -> list[dict]:
        return [
            _efs_product(region, usage, usd, self)
            for region, standard in sorted(self.efs.items())
            for usage, usd in (("TimedStorage-ByteHrs", standard), ("IATimedStorage-ByteHrs", EFS_IA_USD))
        ]

    def set(self, region: str, kind: str, instance_type: str, usd: float | None) -> None:
        """Give one product a price (None: the region does not offer it)."""
        if usd is None:
            self.prices.pop((region, kind, instance_type), None)
        else:
            self.prices[(region, kind, instance_type)] = usd

    def products(self) -> list[dict]:
        return [
            _product(region, kind, instance, usd, self) for (region, kind, instance), usd in sorted(self.prices.items())
        ] + [_storage_product(region, usd, self) for region, usd in sorted(self.storage.items())]


def _sku(*parts: str) -> str:
    import hashlib

    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16].upper()


def _product(region: str, kind: str, instance: str, usd: float, catalogue: PriceCatalogue) -> dict:
    prefix, location, _ = REGIONS[region]
    if kind == "canvas":
        plato, component, usage = CANVAS
        attributes = {}
    else:
        plato, component, usage, _ = KINDS[kind]
        usage = usage.format(t=instance)
        attributes = {"instanceName": instance, "instanceType": instance}
    usagetype = f"{prefix}-{usage}"
    sku = _sku(region, kind, instance)
    attributes.update(
        {
            "servicecode": SERVICE_CODE,
            "servicename": "Amazon SageMaker",
            "location": location,
            "locationType": "AWS Region",
            "regionCode": region,
            "usagetype": usagetype,
            "operation": "RunInstance",
            "platoinstancetype": plato,
            "component": component,
        }
    )
    description = f"${usd} per {component} {instance} hour in {location}"
    return {
        "product": {"productFamily": "ML Instance", "attributes": attributes, "sku": sku},
        "serviceCode": SERVICE_CODE,
        "terms": {
            "OnDemand": {
                f"{sku}.{ON_DEMAND_TERM}": {
                    "priceDimensions": {
                        f"{sku}.{ON_DEMAND_TERM}.{RATE_CODE}": {
                            "unit": "Hrs",
                            "endRange": "Inf",
                            "description": description,
                            "appliesTo": [],
                            "rateCode": f"{sku}.{ON_DEMAND_TERM}.{RATE_CODE}",
                            "beginRange": "0",
                            "pricePerUnit": {"USD": f"{usd:.10f}"},
                        }
                    },
                    "sku": sku,
                    "effectiveDate": catalogue.publication_date.replace("Z", "").split("T")[0] + "T00:00:00Z",
                    "offerTermCode": ON_DEMAND_TERM,
                    "termAttributes": {},
                }
            }
        },
        "version": VERSION,
        "publicationDate": catalogue.publication_date,
    }


def _storage_product(region: str, usd: float, catalogue: PriceCatalogue) -> dict:
    product = _product(region, "studio-jupyterlab", "storage", usd, catalogue)  # the same terms' shape
    prefix, location, _ = REGIONS[region]
    attributes = product["product"]["attributes"]
    for key in ("instanceName", "instanceType", "platoinstancetype", "operation"):
        attributes.pop(key)
    attributes.update({"usagetype": f"{prefix}-{STORAGE_USAGE}", "component": "storage"})
    product["product"]["productFamily"] = "ML Storage"
    (term,) = product["terms"]["OnDemand"].values()
    (dimension,) = term["priceDimensions"].values()
    dimension.update({"unit": "GB-Mo", "description": f"${usd} per GB-month of Studio storage in {location}"})
    return product


def _efs_product(region: str, usage: str, usd: float, catalogue: PriceCatalogue) -> dict:
    product = _product(
        region, "studio-jupyterlab", f"efs:{usage}", usd, catalogue
    )  # its own SKU, the same terms' shape
    prefix, location, _ = REGIONS[region]
    standard = usage == "TimedStorage-ByteHrs"
    product["serviceCode"] = EFS_SERVICE_CODE
    product["product"]["productFamily"] = "Storage"
    attributes = product["product"]["attributes"]
    for key in ("instanceName", "instanceType", "platoinstancetype", "component"):
        attributes.pop(key)
    attributes.update(
        {
            "servicecode": EFS_SERVICE_CODE,
            "servicename": "Amazon Elastic File System",
            "usagetype": f"{prefix}-{usage}",
            "operation": "",
            "storageClass": "General Purpose" if standard else "Infrequent Access",
        }
    )
    (term,) = product["terms"]["OnDemand"].values()
    (dimension,) = term["priceDimensions"].values()
    what = "Standard" if standard else "Infrequent Access"
    dimension.update({"unit": "GB-Mo", "description": f"USD ${usd} per GB-Mo for {what} storage ({prefix})"})
    return product


_CATALOGUES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def catalogue_for(state: StudioState) -> PriceCatalogue:
    """The price catalogue of one emulator (made on first use)."""
    if state not in _CATALOGUES:
        _CATALOGUES[state] = PriceCatalogue()
    return _CATALOGUES[state]


def invalid_parameter(message: str) -> ApiError:
    return ApiError("InvalidParameterException", message)


def _value(product: dict, field: str) -> str | None:
    """A filter field's value: the product's attributes, productFamily, sku or serviceCode
    (field names compared without case, as AWS does)."""
    lowered = field.lower()
    top = {"productfamily": product["product"]["productFamily"], "sku": product["product"]["sku"]}
    top["servicecode"] = product["serviceCode"]
    if lowered in top:
        return top[lowered]
    for name, value in product["product"]["attributes"].items():
        if name.lower() == lowered:
            return value
    return None


def _matches(product: dict, flt: dict) -> bool:
    kind, value = flt["Type"], flt["Value"]
    have = _value(product, flt["Field"])
    if kind in ("TERM_MATCH", "EQUALS"):
        return have is not None and have.lower() == value.lower()
    if kind == "CONTAINS":
        return have is not None and value.lower() in have.lower()
    choices = {v.strip().lower() for v in value.split(",")}
    if kind == "ANY_OF":
        return have is not None and have.lower() in choices
    return have is None or have.lower() not in choices  # NONE_OF


def get_products(state: StudioState, params: dict) -> dict:
    version = params.get("FormatVersion") or "aws_v1"
    if version != "aws_v1":
        raise invalid_parameter(f"FormatVersion {version!r} is not supported; use aws_v1")
    size = params.get("MaxResults") or 100
    if not 1 <= size <= 100:
        raise invalid_parameter("MaxResults must be between 1 and 100")
    catalogue = catalogue_for(state)
    by_service = {SERVICE_CODE: catalogue.products, EFS_SERVICE_CODE: catalogue.efs_products}
    products = by_service[params["ServiceCode"]]() if params["ServiceCode"] in by_service else []
    for flt in params.get("Filters") or []:
        products = [p for p in products if _matches(p, flt)]
    page, token = paginate(
        "GetProducts",
        products,
        {**params, "MaxResults": size},
        error=lambda m: ApiError("InvalidNextTokenException", m),
    )
    body = {"FormatVersion": version, "PriceList": [json.dumps(p) for p in page]}
    if token:
        body["NextToken"] = token
    return body


OPERATIONS = {"GetProducts": get_products}

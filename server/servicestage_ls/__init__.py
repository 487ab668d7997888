"""servicestage-ls: language server for Huawei Cloud ServiceStage repository-authorization files."""

__version__ = "0.1.0"

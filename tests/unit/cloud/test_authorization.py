"""The API's AUTH object read from an answer."""

from __future__ import annotations

import pytest

from servicestage_ls.cloud.authorization import Authorization
from servicestage_ls.cloud.errors import CloudError


def test_authorization_from_json_is_lenient_with_optional_fields() -> None:
    item = Authorization.from_json({"name": "a-b", "create_time": "17", "status": "x", "repo_user": 5})
    assert item == Authorization(name="a-b", create_time=17)
    with pytest.raises(CloudError) as caught:
        Authorization.from_json(["name"])
    assert (caught.value.kind, caught.value.message) == ("protocol", "expected an authorization object, got list")

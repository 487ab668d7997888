"""What the cloud commands keep between runs — the lists last read from ServiceStage, the write-backs in flight —
belongs to one server (its cloud feature), not to the process: two servers in one process share nothing, and the
life-cycle commands of a server share its cloud feature's state."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from servicestage_ls.cloud.client import Authorization
from servicestage_ls.engine.actions import Refused
from servicestage_ls.lsp.cloud import CloudFeature
from servicestage_ls.lsp.lifecycle import LifecycleFeature
from servicestage_ls.lsp.server import ServiceStageServer
from servicestage_ls.lsp.setup import LazyFeature, create_server

URI = "file:///w/a.servicestage.yaml"
ENDPOINT = "https://servicestage.cn-north-4.myhuaweicloud.com"
PROJECT = "0a1b2c3d4e5f67890a1b2c3d4e5f6789"


def _loaded(server: ServiceStageServer, kind: type) -> object:
    found = [f.loaded() for f in server.features if isinstance(f, LazyFeature) and isinstance(f.loaded(), kind)]
    assert len(found) == 1
    return found[0]


def _cloud(server: ServiceStageServer) -> CloudFeature:
    feature = _loaded(server, CloudFeature)
    assert isinstance(feature, CloudFeature)
    return feature


def _authorization(name: str) -> Authorization:
    return Authorization(name=name, repo_type="github", repo_host="", repo_user="octocat", status=0)


def test_each_server_has_its_own_cloud_feature_and_its_life_cycle_shares_it() -> None:
    a, b = create_server({}), create_server({})
    assert _cloud(a) is _cloud(a)  # made once per server
    assert _cloud(a) is not _cloud(b)
    lifecycle = _loaded(a, LifecycleFeature)
    assert isinstance(lifecycle, LifecycleFeature)
    assert lifecycle.shared is _cloud(a).shared


def test_a_list_read_by_one_server_is_not_the_others() -> None:
    a, b = _cloud(create_server({})), _cloud(create_server({}))
    remote = [_authorization("token1")]
    a.shared.lists.store(SimpleNamespace(endpoint=ENDPOINT, project_id=PROJECT), remote)  # type: ignore[arg-type]
    assert a.shared.lists.fresh(ENDPOINT, PROJECT) == remote
    assert b.shared.lists.fresh(ENDPOINT, PROJECT) is None
    b.shared.lists.store(SimpleNamespace(endpoint=ENDPOINT, project_id=PROJECT), [])  # type: ignore[arg-type]
    b.shared.lists.invalidate()  # a create through server b forgets b's lists only
    assert a.shared.lists.fresh(ENDPOINT, PROJECT) == remote
    assert b.shared.lists.fresh(ENDPOINT, PROJECT) is None


async def test_a_write_back_of_one_server_does_not_wait_for_the_others() -> None:
    server_a, server_b = create_server({}), create_server({})
    a, b = _cloud(server_a), _cloud(server_b)
    async with a.shared.writes.locks.setdefault(URI, asyncio.Lock()):  # server a is writing to URI
        # Server b (which has no such document open) answers at once instead of waiting for a's turn to end.
        with pytest.raises(Refused, match="the file was closed before ServiceStage answered"):
            await asyncio.wait_for(b.shared.writes.apply(server_b, URI, lambda model: [], "label"), 10)
    assert URI not in b.shared.writes.locks  # a closed document's turn is not kept

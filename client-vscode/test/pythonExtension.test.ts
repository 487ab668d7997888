import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { interpreterFromPythonExtension, onPythonInterpreterChanged, PYTHON_EXTENSION_ID } from "../src/pythonExtension";
import { fake, Uri } from "./fake-vscode";

beforeEach(() => fake.reset());

function install(exports: unknown, isActive = true) {
  const ext = {
    isActive,
    exports,
    activations: 0,
    async activate() {
      ext.activations++;
      ext.isActive = true;
      return exports;
    },
  };
  fake.extensions.set(PYTHON_EXTENSION_ID, ext);
  return ext;
}

describe("the Python extension's interpreter (optional)", () => {
  it("is undefined when ms-python.python is not installed", async () => {
    assert.equal(await interpreterFromPythonExtension(), undefined);
    assert.equal(onPythonInterpreterChanged(() => undefined), undefined);
  });

  it("comes from environments.getActiveEnvironmentPath + resolveEnvironment, for the given resource", async () => {
    const seen: unknown[] = [];
    install({
      environments: {
        getActiveEnvironmentPath(resource: unknown) {
          seen.push(resource);
          return { id: "venv", path: "/w/.venv" };
        },
        async resolveEnvironment(env: { path: string }) {
          return { executable: { uri: Uri.file(env.path + "/bin/python") } };
        },
      },
    });
    const doc = Uri.file("/w/a.servicestage.yaml");
    assert.equal(await interpreterFromPythonExtension(doc as never), "/w/.venv/bin/python");
    assert.deepEqual(seen, [doc]);
  });

  it("falls back to the environment's path when it cannot be resolved", async () => {
    install({
      environments: {
        getActiveEnvironmentPath: () => ({ id: "x", path: "/usr/bin/python3.12" }),
        resolveEnvironment: async () => undefined,
      },
    });
    assert.equal(await interpreterFromPythonExtension(), "/usr/bin/python3.12");
  });

  it("uses the legacy settings.getExecutionDetails when that is all there is (single-word commands only)", async () => {
    install({ settings: { getExecutionDetails: () => ({ execCommand: ["/opt/py/bin/python"] }) } });
    assert.equal(await interpreterFromPythonExtension(), "/opt/py/bin/python");
    install({ settings: { getExecutionDetails: () => ({ execCommand: ["conda", "run", "-n", "x", "python"] }) } });
    assert.equal(await interpreterFromPythonExtension(), undefined);
  });

  it("activates the extension when needed", async () => {
    const ext = install({ environments: { getActiveEnvironmentPath: () => ({ id: "a", path: "/a/python" }) } }, false);
    assert.equal(await interpreterFromPythonExtension(), "/a/python");
    assert.equal(ext.activations, 1);
  });

  it("never throws, whatever the extension does", async () => {
    install({
      environments: {
        getActiveEnvironmentPath() {
          throw new Error("not ready");
        },
      },
    });
    assert.equal(await interpreterFromPythonExtension(), undefined);
    const ext = install(undefined, false);
    ext.activate = async () => {
      throw new Error("activation failed");
    };
    assert.equal(await interpreterFromPythonExtension(), undefined);
  });

  it("reports interpreter changes when the extension offers the event", () => {
    const listeners: (() => void)[] = [];
    install({
      environments: {
        onDidChangeActiveEnvironmentPath(listener: () => void) {
          listeners.push(listener);
          return { dispose() {} };
        },
      },
    });
    let changes = 0;
    const disposable = onPythonInterpreterChanged(() => changes++);
    assert.ok(disposable);
    listeners.forEach((l) => l());
    assert.equal(changes, 1);
  });
});

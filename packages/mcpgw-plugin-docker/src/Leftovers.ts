import type { Logger } from "open-mcp-gateway";
import { removeContainer } from "./DockerRuntime.js";
import { engineError, type Engine } from "./engine.js";
import { gatewayIdentity, hostName, isOwnerAlive, LABELS } from "./owner.js";

/** Containers of gateways that are gone (SIGKILL, a crash) and of this one, found by their labels. */
export class Leftovers {
  #created = false;

  constructor(
    private readonly engine: Engine,
    private readonly logger: Logger,
  ) {}

  /** A container of this gateway may exist from now on. */
  created(): void {
    this.#created = true;
  }

  /** Removes this host's labelled containers whose gateway no longer runs. */
  async sweep(): Promise<void> {
    try {
      const gone = (await this.#list()).filter((info) => !isOwnerAlive(info.Labels[LABELS.gateway] ?? ""));
      await this.#remove(gone.map((info) => info.Id));
      if (gone.length > 0)
        this.logger.info(
          { containers: gone.map((info) => info.Id.slice(0, 12)) },
          `Removed ${gone.length} leftover container${gone.length === 1 ? "" : "s"} of a gateway that is gone`,
        );
    } catch (error) {
      this.logger.warn(`Could not look for leftover containers: ${engineError(error, this.engine).message}`);
    }
  }

  /** At shutdown: whatever container of this gateway is still there. */
  async removeOwn(): Promise<void> {
    if (!this.#created) return;
    try {
      const own = gatewayIdentity();
      await this.#remove(
        (await this.#list()).filter((info) => info.Labels[LABELS.gateway] === own).map((info) => info.Id),
      );
    } catch (error) {
      this.logger.warn(`Could not remove this gateway's containers: ${engineError(error, this.engine).message}`);
    }
  }

  async #list() {
    return (await this.engine.client()).listContainers({
      all: true,
      filters: { label: [`${LABELS.managed}=true`, `${LABELS.host}=${hostName()}`] },
    });
  }

  async #remove(ids: readonly string[]): Promise<void> {
    const docker = await this.engine.client();
    await Promise.all(ids.map((id) => removeContainer(docker.getContainer(id))));
  }
}

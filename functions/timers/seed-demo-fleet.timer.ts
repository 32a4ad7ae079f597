import { app, type InvocationContext } from '@azure/functions';
import { composition, config } from '../../shared/composition';
import { demoFleetTimer, seedDemoFleetIfEmpty } from '../../shared/devices/simulated/demo-fleet-seeder';

/** A fresh embedded registry gets the demo fleet (see demoFleetTimer for when this runs). */
async function seedDemoFleet(_timer: unknown, context: InvocationContext): Promise<void> {
  const created = await seedDemoFleetIfEmpty(composition.registry(), config.devices.demoFleetSize);
  if (created > 0) context.log(`Demo fleet: created ${created} simulated devices in the empty registry.`);
}

const timer = demoFleetTimer(config.devices, config.runsInAzure);
if (timer) app.timer('seedDemoFleet', { ...timer, handler: seedDemoFleet });

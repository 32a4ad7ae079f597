import { app, type InvocationContext } from '@azure/functions';
import { appComposition, appConfig } from '../app-composition';
import { demoFleetTimer, seedDemoFleetIfEmpty } from '../../shared/devices/simulated/demo-fleet-seeder';

/** A fresh embedded registry gets the demo fleet (see demoFleetTimer for when this runs). */
async function seedDemoFleet(_timer: unknown, context: InvocationContext): Promise<void> {
  const created = await seedDemoFleetIfEmpty(appComposition().registry(), appConfig().devices.demoFleetSize);
  if (created > 0) context.log(`Demo fleet: created ${created} simulated devices in the empty registry.`);
}

const timer = demoFleetTimer(appConfig().devices, appConfig().runsInAzure);
if (timer) app.timer('seedDemoFleet', { ...timer, handler: seedDemoFleet });

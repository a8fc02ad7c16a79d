// Public face of src/orders: commands, order events, the open-order table.
export * from './commands.js';
export * from './open-orders.js';

// The contract lives in lib/routing (the construct writes it, the handlers read it); handlers import it from here.
export * from '../../lib/routing/contract';

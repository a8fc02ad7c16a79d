// Preloaded by `make test` into every test process: a test file's results go to the runner over its stdout, a
// pipe, and on Linux pipe writes are asynchronous. With --test-force-exit the file's process exits as soon as its
// last test ends, and results still buffered were dropped without a failure: the run reported fewer tests than
// ran (nodejs/node#64833). Blocking writes leave nothing buffered at the exit.
if (!process.stdout.isTTY) process.stdout._handle?.setBlocking?.(true);

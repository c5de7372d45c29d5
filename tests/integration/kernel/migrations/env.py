from shared.migrations import run_env
from tests.integration.kernel.kernel_app import metadata

run_env(metadata)

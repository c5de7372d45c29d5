from shared.migrations import run_env
from tests.integration.edge.edge_app import metadata

run_env(metadata)

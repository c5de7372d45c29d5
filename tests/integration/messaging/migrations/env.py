from shared.migrations import run_env
from tests.integration.messaging.tiny_service import metadata

run_env(metadata)

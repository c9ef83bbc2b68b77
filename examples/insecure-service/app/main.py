"""The trading service: auth, signals and orders behind nginx."""
import uvicorn
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel

from app.config import get_settings
from app.routers import orders
from app.security import get_api_key

settings = get_settings()

# debug=True and the default docs_url, redoc_url and openapi_url: /docs and /openapi.json are public.
app = FastAPI(title="Trading System", debug=True)

app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)

app.include_router(orders.router)


class LoginRequest(BaseModel):
    username: str
    password: str


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.post("/api/auth/login")
async def login(credentials: LoginRequest):
    # No rate limit, no security log of failures.
    if credentials.username == "admin" and credentials.password == settings.secret_key:
        return {"token": settings.api_secret_key}
    return {"error": "invalid credentials"}


@app.get("/api/signals")
async def list_signals(symbol: str = "BTCUSD"):
    return {"symbol": symbol, "signals": []}


@app.get("/api/signals/generate", dependencies=[Depends(get_api_key)])
async def generate_signals(symbol: str):
    return {"symbol": symbol, "signal": "BUY"}


@app.get("/debug/config")
async def debug_config():
    return settings.dict()


if __name__ == "__main__":
    uvicorn.run("app.main:app", host="0.0.0.0", port=8000, reload=True, log_level="debug")

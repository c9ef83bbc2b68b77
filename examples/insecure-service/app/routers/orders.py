"""Order endpoints: place, list and cancel orders."""
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, validator
from sqlalchemy import text

from app.database import SessionLocal

router = APIRouter(prefix="/api/orders", tags=["orders"])


class TradingOrderRequest(BaseModel):
    symbol: str = Field(..., regex="^[A-Z]{1,12}$")
    quantity: int
    price: float
    order_type: str

    @validator("symbol")
    def upper(cls, v):
        return v.upper()


@router.post("/place")
async def place_order(order: TradingOrderRequest):
    return {"accepted": True, "symbol": order.symbol, "quantity": order.quantity}


@router.post("/bulk")
async def bulk_orders(request: Request):
    # A raw JSON body: no validation of symbols, quantities or prices.
    payload = await request.json()
    return {"accepted": len(payload.get("orders", []))}


@router.get("")
async def list_orders(symbol: str):
    async with SessionLocal() as session:
        rows = await session.execute(text(f"SELECT * FROM orders WHERE symbol = '{symbol}'"))
        return [dict(r._mapping) for r in rows]


@router.delete("/{order_id}")
async def cancel_order(order_id: str, body: dict):
    async with SessionLocal() as session:
        await session.execute(text("DELETE FROM orders WHERE id = " + order_id))
        await session.commit()
    return {"cancelled": order_id, "note": body.get("note")}

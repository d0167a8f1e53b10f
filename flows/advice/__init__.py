"""The advice: its dialogue (the advice, its dilemmas, notes, browsing, `/vraag`), its cards
and screens, and the reminder of one's advice sent later."""

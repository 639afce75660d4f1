package model

import "time"

// Goal is a board goal as the API shows it; progress resolves on demand.
type Goal struct {
	ID            string    `json:"id"`
	Title         string    `json:"title"`
	Measure       Measure   `json:"measure"`
	Scope         GoalScope `json:"scope"`
	ScopeID       string    `json:"scopeId"`
	Tier          *Tier     `json:"tier,omitempty"`
	BaselineYear  int       `json:"baselineYear"`
	BaselineValue float64   `json:"baselineValue"`
	TargetYear    int       `json:"targetYear"`
	TargetValue   float64   `json:"targetValue"`
	Archived      bool      `json:"archived"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}
